package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * An RFC 9457 problem document: every error the API returns has this shape and a detail a person can act on.
 *
 * @param errors for invalid input, each offending field with what is wrong with it
 */
@JsonInclude(JsonInclude.Include.NON_EMPTY)
public record Problem(String title, int status, String detail, List<FieldError> errors) {

    public static final String MEDIA_TYPE = "application/problem+json";

    public record FieldError(String field, String message) {
    }
}
