package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The apiserver's status shape, {@code {"name","status":{"expect","realtime"}}}, of a full resource. */
final class StatusOf {

    private StatusOf() {
    }

    static JsonNode of(JsonNode resource) {
        ObjectNode status = Api.JSON.createObjectNode();
        status.set("name", resource.path("name"));
        status.set("status", resource.path("app").path("status"));
        return status;
    }
}
