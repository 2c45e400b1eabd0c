package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** An action's whole output, as the agent on its host kept it (GET …/operations/{id}/log), copied to stdout as it comes. */
@Command(name = "logs", description = {"The whole output of an action (install, start, ...) on a host, from its agent.",
        "Without OPERATION, the newest action in the resource's events."})
class LogsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Parameters(index = "2", paramLabel = "OPERATION", arity = "0..1", description = "An operation_id of the events")
    String operation;

    @Option(names = "--host", paramLabel = "IP", description = "The host the action ran on, when the id ran on several")
    String host;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        String path;
        if (operation == null) {
            path = newestLog(resourceKind);
        } else {
            path = Api.resourcePath(resourceKind, name) + "/operations/" + Api.segment(operation) + "/log"
                    + (host == null ? "" : "?host=" + Api.segment(host));
        }
        try (InputStream log = api().stream(path, "text/plain", Map.of())) {
            log.transferTo(System.out);
            System.out.flush();
        } catch (IOException e) {
            throw new CliException(ExitCode.ERROR, "the log stopped before its end: " + e.getMessage());
        }
        return ExitCode.OK;
    }

    /** The log of the newest event that names an operation (events come newest first). */
    private String newestLog(ResourceKind resourceKind) {
        JsonNode events = api().ok(api().get(Api.resourcePath(resourceKind, name) + "/events?limit=1000"), 200).json();
        for (JsonNode event : events) {
            if (event.hasNonNull("operation_id") && (host == null || host.equals(event.path("host").asText()))) {
                if (event.hasNonNull("log") && event.path("log").asText().startsWith(Api.BASE + "/")) {
                    return event.path("log").asText();
                }
                String on = host != null ? host : event.path("host").asText("");
                return Api.resourcePath(resourceKind, name) + "/operations/" + Api.segment(event.path("operation_id").asText()) + "/log"
                        + (on.isEmpty() ? "" : "?host=" + Api.segment(on));
            }
        }
        throw new CliException(ExitCode.NOT_FOUND, resourceKind.wire() + "/" + name + " has no action in its events"
                + (host == null ? "" : " on " + host) + " yet");
    }
}
