package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * What the agent knows of one application: whether it is installed, the action in flight or the last one, and the
 * last health check. The apiserver's probe of an application whose state it lost.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppStatus(
        String name,
        ResourceKind type,
        boolean installed,
        @JsonProperty("last_operation") Operation lastOperation,
        @JsonProperty("last_check") CheckReport lastCheck) {
}
