package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "hosts", description = "The hosts with an agent (installed over SSH, or registered): one, or all.")
class HostsCommand extends ApiCommand {

    @Parameters(index = "0", paramLabel = "IP", arity = "0..1", description = "One host")
    String ip;

    @Override
    int run() {
        String path = Api.BASE + "/hosts" + (ip == null ? "" : "/" + Api.segment(ip));
        JsonNode answer = api().ok(api().get(path), 200).json();
        if (json()) {
            out.json(answer);
            return ExitCode.OK;
        }
        List<List<String>> rows = new ArrayList<>();
        if (ip == null) {
            answer.forEach(host -> rows.add(row(host)));
        } else {
            rows.add(row(answer));
        }
        out.table(List.of("IP", "AGENT-PORT", "REGISTERED", "ACCOUNT", "VERSION", "SSH-HOST-KEY", "LAST-ERROR"), rows);
        return ExitCode.OK;
    }

    private static List<String> row(JsonNode host) {
        JsonNode agent = host.path("agent");
        return List.of(Output.text(host, "ip"), Output.text(host, "agent_port"), host.path("registered").asBoolean() ? "yes" : "no",
                Output.text(agent, "account"), Output.text(agent, "version"), Output.text(host.path("ssh_host_key"), "fingerprint"),
                Output.text(host, "last_error"));
    }
}
