package io.paasoperator.apiserver.bootstrap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.CommandLines;
import io.paasoperator.apiserver.testing.FileTrees;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.OpenSshHost;
import io.paasoperator.apiserver.testing.SshTestHost;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The full path of SPEC.md §6 on a real OpenSSH server: a host with nothing but sshd and two accounts, the agent's
 * without Java on its PATH. The apiserver logs in as the login account, switches to the agent's account with su (the
 * password typed on a terminal), installs and starts the self-contained agent (its own Java runtime); a resource on
 * that host then goes to running through the REST API alone. Meanwhile every
 * process's command line is watched; afterwards the accounts' files and every log are read: the passwords and the
 * agent's secret are in none of them (the secret only in the agent's owner-only settings).
 */
class OpenSshBootstrapIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IP = "127.0.0.40";

    @Test
    void aHostWithOnlySshAndTwoAccountsGetsItsAgentAndRunsAnApplication() throws Exception {
        Path sshdLog = Files.createDirectories(Path.of("target", "it-logs")).resolve("sshd-" + IP + ".log");
        // Files of this run only: a removed account's leftovers keep its uid, which a new account may be given.
        FileTime started = FileTime.from(Instant.now().minusSeconds(1));
        try (LocalSystem system = LocalSystem.start("openssh",
                Map.of("PAAS_AGENT_EXECUTABLE", ApiserverProcess.SELF_CONTAINED_AGENT.toString()));
                OpenSshHost host = OpenSshHost.start(IP, system.work.resolve("sshd"), sshdLog);
                CommandLines watched = CommandLines.watch()) {
            OpenSshHost.Account agent = host.agentAccount;
            OpenSshHost.Account login = host.login;
            String pathWithoutJava = host.withoutJava();
            int agentPort = SshTestHost.freePort(IP);

            // su refuses a wrong password for the agent's account: the resource fails, saying so.
            create(system, "su-refused", host, agentPort, "not-" + agent.password());
            system.put("database", "su-refused", "running");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> system.realtime(system.apiserver, "database", "su-refused").equals("failed"));
            String reason = system.get(system.apiserver, "/apis/v1alpha1/database/su-refused").at("/detail/hosts/0/last_error").asText();
            assertTrue(reason.contains("su from '" + login.name() + "' to '" + agent.name() + "'") && reason.contains("refused"),
                    reason);
            assertTrue(system.get(system.apiserver, "/apis/v1alpha1/database/su-refused").at("/detail/hosts/0/parked").asBoolean(),
                    "a refused su password is not tried again on a timer");
            assertEquals(200, system.apiserver.send("DELETE", "/apis/v1alpha1/database/su-refused", null).statusCode());

            create(system, "counter-openssh", host, agentPort, agent.password());
            system.put("database", "counter-openssh", "running");
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> system.realtime(system.apiserver, "database", "counter-openssh").equals("running"));
            watched.close();

            // The agent runs as the agent's account, installed where the README says.
            Path agentHome = agent.home().resolve(".paas-agent");
            assertTrue(Files.exists(agentHome.resolve("apps/database/counter-openssh/install-count")));
            JsonNode hostView = system.get(system.apiserver, "/apis/v1alpha1/hosts/" + IP);
            assertEquals(agent.name(), hostView.at("/agent/account").asText(), hostView.toString());
            assertEquals(host.fingerprint(), hostView.at("/ssh_host_key/fingerprint").asText(), "the pin is OpenSSH's own key");
            ProcessHandle agentProcess = host.agentProcess();
            assertEquals(agent.name(), agentProcess.info().user().orElse(""));
            Path environ = Path.of("/proc", String.valueOf(agentProcess.pid()), "environ");
            // The self-contained agent runs the Java it carries; its account has none on its PATH.
            String build = hostView.at("/agent/build").asText();
            assertEquals(agentHome.resolve("bin/" + build + "/runtime/bin/java").toString(),
                    agentProcess.info().command().orElse(""), "the agent runs its own Java runtime");
            List<String> agentEnvironment = List.of(Files.readString(environ).split("\0"));
            assertTrue(agentEnvironment.contains("PATH=" + pathWithoutJava), agentEnvironment.toString());
            assertTrue(agentEnvironment.stream().noneMatch(v -> v.startsWith("JAVA_HOME=")), agentEnvironment.toString());
            assertTrue(!Files.exists(Path.of(pathWithoutJava, "java")), "the account's PATH has no java");
            // A JDK 25 runtime's AOT cache, else (a build without a JDK 25) a Java 17 runtime's AppCDS archive.
            Path installed = agentHome.resolve("bin/" + build);
            String archive = Files.readString(installed.resolve("runtime/release")).contains("JAVA_VERSION=\"17.")
                    ? "agent.jsa" : "agent.aot";
            assertTrue(Files.isRegularFile(installed.resolve(archive)), "the install made the agent's class-data archive " + archive);
            assertEquals(agent.name(), Files.getOwner(environ).getName(), "its environment is its own to read");
            assertEquals("r--------", PosixFilePermissions.toString(Files.getPosixFilePermissions(environ)));
            Path settings = agentHome.resolve("agent.env");
            assertEquals(agent.name(), Files.getOwner(settings).getName());
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(settings)));
            String secret = Files.readAllLines(settings).stream().filter(l -> l.startsWith("AGENT_SECRET=")).findFirst()
                    .orElseThrow().substring("AGENT_SECRET=".length());

            // No password, no secret: in no command line seen during the run, no file the bootstrap left, no log.
            List<String> secrets = List.of(agent.password(), login.password(), secret);
            for (String line : watched.seen()) {
                for (String s : secrets) {
                    assertTrue(!line.contains(s), "a command line held a password or the secret: " + line.replace(s, "<here>"));
                }
            }
            assertTrue(watched.seen().stream().anyMatch(l -> l.contains("install-agent.sh")), "the watch saw the install run");
            List<Path> files = new ArrayList<>(FileTrees.regularFiles(agent.home(), login.home(), system.work));
            files.addAll(List.of(sshdLog, Path.of("target", "it-logs", "openssh-apiserver-a.log")));
            for (Path file : files) {
                String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                for (String s : secrets) {
                    boolean allowed = s.equals(secret) && file.equals(settings);
                    assertTrue(allowed || !text.contains(s), file + " holds a password or the secret");
                }
            }
            try (Stream<Path> tmp = Files.list(Path.of("/tmp"))) {
                List<Path> staging = tmp.filter(p -> p.getFileName().toString().startsWith("paas-agent-"))
                        .filter(p -> owner(p).equals(login.name()) && modified(p).compareTo(started) >= 0).toList();
                assertEquals(List.of(), staging, "the staging directory is removed");
            }
        }
    }

    /** A resource on the OpenSSH host: auth[0] the agent's account (with {@code agentPassword}), auth[1] the login. */
    private static void create(LocalSystem system, String name, OpenSshHost host, int agentPort, String agentPassword)
            throws Exception {
        Map<String, Object> body = Map.of("name", name,
                "host", List.of(Map.of("ip", IP, "ssh_port", host.sshPort, "agent_port", agentPort,
                        "auth", List.of(Map.of("username", host.agentAccount.name(), "password", agentPassword),
                                Map.of("username", host.login.name(), "password", host.login.password())))),
                "app", Map.of("repo_url", system.repo.url("counter"), "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh",
                        "metadata", Map.of("INSTALL_SECONDS", "0")));
        HttpResponse<String> created = system.apiserver.send("POST", "/apis/v1alpha1/database/create", JSON.writeValueAsString(body));
        assertEquals(201, created.statusCode(), created.body());
    }

    private static String owner(Path path) {
        try {
            return Files.getOwner(path).getName();
        } catch (IOException gone) {
            return "";
        }
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0); // gone meanwhile: not a leftover of this run
        }
    }
}
