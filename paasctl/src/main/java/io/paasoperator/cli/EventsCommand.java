package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "events", description = "A resource's history, newest first (kept after a delete).")
class EventsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "100", description = "How many, 1-1000 (default 100)")
    int limit;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        JsonNode events = api().ok(api().get(Api.resourcePath(resourceKind, name) + "/events?limit=" + limit), 200).json();
        if (json()) {
            out.json(events);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        for (JsonNode event : events) {
            String change = event.hasNonNull("from") ? Output.text(event, "from") + " -> " + Output.text(event, "to")
                    : Output.text(event, "to");
            String message = Output.text(event, "message").isEmpty() ? Output.text(event, "cause") : Output.text(event, "message");
            rows.add(List.of(Output.text(event, "at"), Output.text(event, "type"), Output.text(event, "host"), change,
                    Output.text(event, "operation_id"), Output.text(event, "exit_code"), message));
        }
        out.table(List.of("AT", "TYPE", "HOST", "CHANGE", "OPERATION", "EXIT", "MESSAGE"), rows);
        return ExitCode.OK;
    }
}
