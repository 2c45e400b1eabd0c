package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "set", description = "Set the expected state: running, stopped or not-installed. The apiserver then drives"
        + " every host there; --wait follows it until realtime gets there.")
class SetCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "KIND", description = "database or middleware")
    String kind;

    @Parameters(index = "1", paramLabel = "NAME")
    String name;

    @Parameters(index = "2", paramLabel = "STATE", description = "running, stopped or not-installed")
    String state;

    @Mixin
    WaitOptions waiting;

    @Override
    int run() {
        ResourceKind resourceKind = kind(kind);
        ExpectedState target = WireValue.parse(ExpectedState.class, state).orElseThrow(() -> new CliException(ExitCode.USAGE,
                "'" + Text.clean(state) + "' is not a state to set: one of "
                        + Arrays.stream(ExpectedState.values()).map(ExpectedState::wire).toList()));
        Duration timeout = Waiter.timeout(waiting.timeout);
        Waiter waiter = new Waiter(api(), resourceKind, name, timeout);
        JsonNode before = waiting.wait ? waiter.read() : null;
        JsonNode status = api().ok(api().call("PUT", Api.resourcePath(resourceKind, name) + "/" + target.wire(), null, Map.of()), 202)
                .json();
        if (!waiting.wait) {
            print(resourceKind, status);
            return ExitCode.OK;
        }
        JsonNode reached = waiter.until(target.wire(), resource -> Resources.realtime(resource).equals(target.wire()), before);
        print(resourceKind, StatusOf.of(reached));
        return ExitCode.OK;
    }

    private void print(ResourceKind resourceKind, JsonNode status) {
        if (json()) {
            out.json(status);
        } else {
            out.line(resourceKind.wire() + "/" + Text.clean(status.path("name").asText()) + ": expect "
                    + status.path("status").path("expect").asText() + ", realtime " + status.path("status").path("realtime").asText());
        }
    }
}
