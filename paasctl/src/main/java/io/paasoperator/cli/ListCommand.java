package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.contract.ResourceKind;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "list", description = "List the resources of a kind, by name (every page).")
class ListCommand extends ApiCommand {

    private static final int PAGE = 500;

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Option(names = "--expect", paramLabel = "STATE", description = "Only those expected in this state")
    String expect;

    @Option(names = "--realtime", paramLabel = "STATE", description = "Only those in this realtime state")
    String realtime;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        ArrayNode items = Api.JSON.createArrayNode();
        String next = null;
        do {
            StringBuilder path = new StringBuilder(Api.BASE + "/" + resourceKind.wire() + "?limit=" + PAGE);
            if (expect != null) {
                path.append("&expect=").append(Api.segment(expect));
            }
            if (realtime != null) {
                path.append("&realtime=").append(Api.segment(realtime));
            }
            if (next != null) {
                path.append("&continue=").append(Api.segment(next));
            }
            JsonNode page = api().ok(api().get(path.toString()), 200).json();
            items.addAll((ArrayNode) page.path("items"));
            next = page.hasNonNull("continue") ? page.path("continue").asText() : null;
        } while (next != null);
        if (json()) {
            ObjectNode all = Api.JSON.createObjectNode();
            all.set("items", items);
            out.json(all);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        items.forEach(resource -> rows.add(Resources.listRow(resource)));
        out.table(Resources.LIST_HEADERS, rows);
        return ExitCode.OK;
    }
}
