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

    /** A refusal the HTTP layer made itself (wrong media type, unreadable request…), by its status. */
    public static Problem ofStatus(int status) {
        String title = switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 406 -> "Not Acceptable";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            default -> "Error";
        };
        return new Problem(title, status, title.toLowerCase() + ": the request was not understood as sent", List.of());
    }

    /** A failure of ours: the client learns only that it happened and where the log tells more. */
    public static Problem internal(String incident) {
        return new Problem("Internal Server Error", 500, "the request could not be completed; incident " + incident
                + " is in the server's log", List.of());
    }
}
