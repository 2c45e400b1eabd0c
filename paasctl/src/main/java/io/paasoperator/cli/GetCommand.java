package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "get", description = "Show one resource: its states, its spec's generation, each host's state.")
class GetCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        JsonNode resource = api().ok(api().get(Api.resourcePath(resourceKind, name)), 200).json();
        if (json()) {
            out.json(resource);
            return ExitCode.OK;
        }
        JsonNode detail = resource.path("detail");
        List<List<String>> about = new ArrayList<>();
        about.add(List.of("name:", Output.text(resource, "name")));
        about.add(List.of("kind:", Output.text(resource, "type")));
        about.add(List.of("expect:", Resources.expect(resource)));
        about.add(List.of("realtime:", Resources.realtime(resource) + " since " + Output.text(detail, "realtime_since")));
        about.add(List.of("generation:", Output.text(detail, "generation")));
        about.add(List.of("repo_url:", Output.text(resource.path("app"), "repo_url")));
        if (detail.path("deleting").asBoolean()) {
            about.add(List.of("deleting:", "being uninstalled; the record goes once every host is done"));
        }
        JsonNode rollout = detail.path("rollout");
        if (rollout.isObject()) {
            about.add(List.of("rollout:", "generation " + Output.text(rollout, "generation") + ", " + Output.text(rollout, "updated")
                    + " of " + Output.text(rollout, "total") + " hosts updated"
                    + (rollout.path("paused").asBoolean() ? ", paused: " + Output.text(rollout, "reason") : "")));
        }
        out.fields(about);
        out.line("");
        List<List<String>> hosts = new ArrayList<>();
        for (JsonNode host : detail.path("hosts")) {
            hosts.add(List.of(Output.text(host, "ip"), Output.text(host, "realtime"), Output.text(host, "generation"),
                    Output.text(host.path("in_flight"), "action"), Output.text(host, "failure_count"), Output.text(host, "last_error")));
        }
        out.table(List.of("HOST", "REALTIME", "GENERATION", "IN-FLIGHT", "FAILURES", "LAST-ERROR"), hosts);
        return ExitCode.OK;
    }
}
