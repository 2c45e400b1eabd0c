package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/** How resources read in tables. */
final class Resources {

    private Resources() {
    }

    static final List<String> LIST_HEADERS = List.of("NAME", "EXPECT", "REALTIME", "GENERATION", "HOSTS");

    static List<String> listRow(JsonNode resource) {
        List<String> ips = new ArrayList<>();
        resource.path("host").forEach(host -> ips.add(host.path("ip").asText()));
        return List.of(Output.text(resource, "name"), expect(resource), realtime(resource),
                Output.text(resource.path("detail"), "generation"), String.join(",", ips));
    }

    static String expect(JsonNode resource) {
        return Output.text(resource.path("app").path("status"), "expect");
    }

    static String realtime(JsonNode resource) {
        return Output.text(resource.path("app").path("status"), "realtime");
    }

    /** The hosts' errors, for a failed wait: "127.0.0.1: the start script exited 1 …". */
    static String hostErrors(JsonNode resource) {
        StringBuilder errors = new StringBuilder();
        for (JsonNode host : resource.path("detail").path("hosts")) {
            String error = Output.text(host, "last_error");
            if (!error.isEmpty()) {
                errors.append("\n  ").append(Text.clean(host.path("ip").asText())).append(": ").append(Text.clean(error));
            }
        }
        return errors.toString();
    }
}
