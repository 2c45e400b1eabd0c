package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "restart", description = "Restart on every host, in turns (only for a resource expected running).")
class RestartCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Mixin
    WaitOptions waiting;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        Waiter waiter = new Waiter(api(), resourceKind, name, Waiter.timeout(waiting.timeout));
        JsonNode before = waiting.wait ? waiter.read() : null;
        JsonNode status = api().ok(api().call("PUT", Api.resourcePath(resourceKind, name) + "/restart", null, Map.of()), 202).json();
        if (waiting.wait) {
            // Done when no host has the restart still to do, or is in the middle of it, and all run again.
            status = StatusOf.of(waiter.until("restarted and running", resource -> {
                for (JsonNode host : resource.path("detail").path("hosts")) {
                    if (host.path("restart_pending").asBoolean() || host.hasNonNull("planned")) {
                        return false;
                    }
                }
                return Resources.realtime(resource).equals("running");
            }, before));
        }
        if (json()) {
            out.json(status);
        } else {
            out.line(resourceKind.wire() + "/" + Text.clean(name) + (waiting.wait ? " restarted" : " restart requested")
                    + ": realtime " + status.path("status").path("realtime").asText());
        }
        return ExitCode.OK;
    }
}
