package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "delete", description = {"Stop managing a resource: its application stays on its hosts.",
        "With --uninstall, every host is driven to not-installed first, then the record goes (--wait follows that).",
        "Deleting a name that does not exist succeeds (exit 0), as the apiserver answers."})
class DeleteCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Option(names = "--uninstall", description = "Uninstall from every host before the record goes")
    boolean uninstall;

    @Mixin
    WaitOptions waiting;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        if (waiting.wait && !uninstall) {
            throw new CliException(ExitCode.USAGE, "--wait goes with --uninstall: a plain delete is done when it answers");
        }
        Waiter waiter = new Waiter(api(), resourceKind, name, Waiter.timeout(waiting.timeout));
        String path = Api.resourcePath(resourceKind, name) + (uninstall ? "?uninstall=true" : "");
        Api.Answer answer = api().ok(api().call("DELETE", path, null, Map.of()), 200, 202);
        JsonNode result = answer.json();
        if (answer.status() == 202 && waiting.wait) {
            waiter.untilGone();
        }
        if (json()) {
            out.json(result);
        } else {
            out.line(Text.clean(result.path("message").asText()));
        }
        return ExitCode.OK;
    }
}
