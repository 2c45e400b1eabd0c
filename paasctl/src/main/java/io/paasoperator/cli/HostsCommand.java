package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "hosts", description = {"The hosts with an agent (installed over SSH, or registered): one, or all;"
        + " register or forget one.", "VERSION: what the agent answered when the apiserver last used it."},
        subcommands = {HostsCommand.Register.class, HostsCommand.Forget.class})
class HostsCommand extends ApiCommand {

    private static final List<String> COLUMNS = List.of("IP", "AGENT-PORT", "REGISTERED", "ACCOUNT", "VERSION", "SSH-HOST-KEY",
            "LAST-ERROR");

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
        out.table(COLUMNS, rows);
        return ExitCode.OK;
    }

    private static List<String> row(JsonNode host) {
        JsonNode agent = host.path("agent");
        return List.of(Output.text(host, "ip"), Output.text(host, "agent_port"), host.path("registered").asBoolean() ? "yes" : "no",
                Output.text(agent, "account"), Output.text(agent, "version"), Output.text(host.path("ssh_host_key"), "fingerprint"),
                Output.text(host, "last_error"));
    }

    @Command(name = "register", description = {"Register an agent installed by other means (never bootstrapped over SSH).",
            "Installed by cloud-init, an image or by hand: the apiserver calls it on its port with its secret.",
            "Registering again gives it a new port or secret."})
    static class Register extends ApiCommand {

        @Parameters(index = "0", paramLabel = "IP", description = "The host's address, as resources list it")
        String ip;

        @Option(names = "--agent-port", required = true, paramLabel = "PORT", description = "Where its agent listens")
        int agentPort;

        @Option(names = "--secret-file", required = true, paramLabel = "FILE",
                description = "The agent's AGENT_SECRET on its first line: a file only you can read, or - for standard input")
        String secretFile;

        @Override
        int run() {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("agent_port", agentPort);
            body.put("secret", secret());
            String json;
            try {
                json = Api.JSON.writeValueAsString(body);
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "cannot write the registration: " + e.getMessage());
            }
            JsonNode host = api().ok(api().call("PUT", Api.BASE + "/hosts/" + Api.segment(ip), json, Map.of()), 200).json();
            if (json()) {
                out.json(host);
            } else {
                out.table(COLUMNS, List.of(row(host)));
            }
            // Registered either way; what the apiserver found when it looked at the agent says whether it can be used yet.
            if (host.hasNonNull("last_error")) {
                System.err.println("paasctl: registered, but the agent cannot be used yet: " + Text.clean(host.path("last_error").asText()));
            }
            return ExitCode.OK;
        }

        /** Never an argument (every account sees a command line): a private file, or standard input. */
        private String secret() {
            String text;
            if (secretFile.equals("-")) {
                try {
                    text = new String(System.in.readNBytes(64 * 1024), StandardCharsets.UTF_8);
                } catch (IOException e) {
                    throw new CliException(ExitCode.USAGE, "cannot read the secret from standard input: " + e.getMessage());
                }
            } else {
                text = PrivateFile.read(Path.of(secretFile), "secret file", ExitCode.USAGE);
            }
            return text.lines().map(String::strip).filter(line -> !line.isEmpty()).findFirst()
                    .orElseThrow(() -> new CliException(ExitCode.USAGE, "the secret " + (secretFile.equals("-")
                            ? "on standard input" : "file " + secretFile) + " is empty"));
        }
    }

    @Command(name = "forget", description = {"Forget a host for good: its agent's registration, or pinned key and secret.",
            "Every resource still removing it lets it go. Refused while a resource lists it (exit 5)."})
    static class Forget extends ApiCommand {

        @Parameters(index = "0", paramLabel = "IP", description = "The host's address")
        String ip;

        @Override
        int run() {
            JsonNode answer = api().ok(api().call("DELETE", Api.BASE + "/hosts/" + Api.segment(ip), null, Map.of()), 200).json();
            if (json()) {
                out.json(answer);
            } else {
                out.line(Text.clean(answer.path("message").asText()));
            }
            return ExitCode.OK;
        }
    }
}
