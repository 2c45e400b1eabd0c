package io.paasoperator.apiserver.bootstrap;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.CommandLines;
import io.paasoperator.apiserver.testing.FileTrees;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.OpenSshHost;
import io.paasoperator.apiserver.testing.SshKeys;
import io.paasoperator.apiserver.testing.SshTestHost;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.transport.verification.PromiscuousVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;

/**
 * SSH keys and sudo on Debian's real OpenSSH and sudo: the login account may log in with its keys only (sshd refuses
 * its password), and a sudoers drop-in lets it run commands as the agent's account. No sudoers rule, a key the account
 * does not authorize, a wrong passphrase, a sudo that asks a password none was given, a wrong sudo password: each
 * parks the host with an error that says so. Then the agent is installed through {@code sudo -S} (the login's password on
 * standard input), and, the agent gone and the rule changed to NOPASSWD, again through {@code sudo -n} with an
 * encrypted PEM key: each time a resource goes to running, and the agent runs as the agent's account. No key, password
 * or passphrase is ever on a command line, nor in any file on the host, of the test, or of a log.
 */
class OpenSshKeySudoIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String IP = "127.0.0.46";
    private static final String API = "/apis/v1alpha1/database/";

    @Test
    void aKeyOnlyLoginBecomesTheAgentsAccountWithSudo() throws Exception {
        Path sshdLog = Files.createDirectories(Path.of("target", "it-logs")).resolve("sshd-" + IP + ".log");
        SshKeys.Pair key = SshKeys.openSsh();
        String passphrase = "key-pass-" + ProcessHandle.current().pid();
        SshKeys.Pair encrypted = SshKeys.pemRsa(passphrase);
        SshKeys.Pair stranger = SshKeys.openSsh();
        try (LocalSystem system = LocalSystem.start("openssh-sudo");
                OpenSshHost host = OpenSshHost.startKeyOnly(IP, system.work.resolve("sshd"), sshdLog,
                        key.publicKey() + "\n" + encrypted.publicKey());
                CommandLines watched = CommandLines.watch()) {
            int agentPort = SshTestHost.freePort(IP);
            assertPasswordLoginRefused(host);

            // No sudoers rule yet: sudo takes the right password, then refuses.
            create(system, "not-in-sudoers", host, agentPort, key.privateKey(), null, host.login.password());
            String notInSudoers = awaitParked(system, "not-in-sudoers");
            assertTrue(notInSudoers.contains("'" + host.login.name() + "' may not run commands as '" + host.agentAccount.name()
                    + "' with sudo"), notInSudoers);
            delete(system, "not-in-sudoers");
            host.allowSudo(true);

            // A key the login account does not authorize: refused, once.
            create(system, "key-refused", host, agentPort, stranger.privateKey(), null, null);
            String refused = awaitParked(system, "key-refused");
            assertTrue(refused.contains("SSH login as '" + host.login.name() + "'") && refused.contains("refused the private key"),
                    refused);
            long attempts = Files.readAllLines(sshdLog).stream().filter(l -> l.contains("Failed publickey")).count();
            Thread.sleep(3_000); // a few reconcile intervals (1s): a retry would show in sshd's log
            assertEquals(attempts, Files.readAllLines(sshdLog).stream().filter(l -> l.contains("Failed publickey")).count(),
                    "a refused key is not tried again");
            assertTrue(attempts >= 1, "sshd saw the key");
            delete(system, "key-refused");

            // An encrypted key with the wrong passphrase never reaches the server.
            create(system, "wrong-passphrase", host, agentPort, encrypted.privateKey(), "not-" + passphrase, null);
            String wrongPassphrase = awaitParked(system, "wrong-passphrase");
            assertTrue(wrongPassphrase.contains("the private_key of auth[1] does not open with the passphrase given"),
                    wrongPassphrase);
            delete(system, "wrong-passphrase");

            // sudo asks the login account's password: none given, then a wrong one.
            create(system, "sudo-no-password", host, agentPort, key.privateKey(), null, null);
            String noPassword = awaitParked(system, "sudo-no-password");
            assertTrue(noPassword.contains("sudo asks '" + host.login.name() + "' for a password"), noPassword);
            delete(system, "sudo-no-password");
            create(system, "sudo-wrong-password", host, agentPort, key.privateKey(), null, "not-" + host.login.password());
            String wrongPassword = awaitParked(system, "sudo-wrong-password");
            assertTrue(wrongPassword.contains("sudo refused the password of " + host.login.name()), wrongPassword);
            delete(system, "sudo-wrong-password");

            // The right password, given to sudo -S on standard input.
            create(system, "sudo-password", host, agentPort, key.privateKey(), null, host.login.password());
            awaitRunning(system, "sudo-password");
            assertAgentRunsAsItsAccount(system, host);
            delete(system, "sudo-password");

            // The agent gone, and a rule that asks nothing: installed again with sudo -n, the encrypted key logging in.
            host.stopAgent();
            host.allowSudo(false);
            create(system, "sudo-nopasswd", host, agentPort, encrypted.privateKey(), passphrase, null);
            awaitRunning(system, "sudo-nopasswd");
            assertAgentRunsAsItsAccount(system, host);
            watched.close();

            List<String> secrets = List.of(key.privateKey().lines().skip(2).findFirst().orElseThrow(),
                    encrypted.privateKey().lines().skip(4).findFirst().orElseThrow(), passphrase, host.login.password(),
                    host.agentAccount.password());
            for (String line : watched.seen()) {
                for (String secret : secrets) {
                    assertFalse(line.contains(secret), "a command line held a key or a password: " + line.replace(secret, "<here>"));
                }
            }
            assertTrue(watched.seen().stream().anyMatch(l -> l.contains("sudo -n -i -u " + host.agentAccount.name())),
                    "the watch saw sudo -n run");
            // Nor in any file: the accounts' (the bootstrap's staging directories included), the test's, the logs.
            List<Path> files = FileTrees.regularFiles(host.login.home(), host.agentAccount.home(), system.work,
                    Path.of("target", "it-logs"));
            assertTrue(files.stream().anyMatch(f -> f.endsWith(Path.of(".paas-agent", "agent.env"))), "the sweep reaches the agent");
            for (Path file : files) {
                String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                for (String secret : secrets) {
                    assertFalse(text.contains(secret), file + " holds a key, a passphrase or a password");
                }
            }
        }
    }

    /** sshd takes the login account's key only: its right password is refused. */
    private static void assertPasswordLoginRefused(OpenSshHost host) throws Exception {
        try (SSHClient ssh = new SSHClient()) {
            ssh.addHostKeyVerifier(new PromiscuousVerifier());
            ssh.connect(IP, host.sshPort);
            assertThrows(UserAuthException.class, () -> ssh.authPassword(host.login.name(), host.login.password()));
        }
    }

    /**
     * A resource on the host: auth[0] the agent's account (no secret: sudo needs none), auth[1] the login with
     * {@code privateKey}, and, unless null, its {@code passphrase} and the {@code password} sudo asks.
     */
    private static void create(LocalSystem system, String name, OpenSshHost host, int agentPort, String privateKey,
            String passphrase, String password) throws Exception {
        Map<String, Object> login = new LinkedHashMap<>(Map.of("username", host.login.name(), "private_key", privateKey));
        if (passphrase != null) {
            login.put("passphrase", passphrase);
        }
        if (password != null) {
            login.put("password", password);
        }
        Map<String, Object> body = Map.of("name", name,
                "host", List.of(Map.of("ip", IP, "ssh_port", host.sshPort, "agent_port", agentPort, "become", "sudo",
                        "auth", List.of(Map.of("username", host.agentAccount.name()), login))),
                "app", Map.of("repo_url", system.repo.url("counter"), "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh",
                        "metadata", Map.of("INSTALL_SECONDS", "0")));
        HttpResponse<String> created = system.apiserver.send("POST", API + "create", JSON.writeValueAsString(body));
        assertEquals(201, created.statusCode(), created.body());
        system.put("database", name, "running");
    }

    /** Waits for the resource to fail with its host parked; answers the host's error. */
    private static String awaitParked(LocalSystem system, String name) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> system.realtime(system.apiserver, "database", name).equals("failed"));
        JsonNode hostState = getResource(system, name).at("/detail/hosts/0");
        assertTrue(hostState.at("/parked").asBoolean(), "parked, not tried again on a timer: " + hostState);
        return hostState.at("/last_error").asText();
    }

    private static void awaitRunning(LocalSystem system, String name) {
        try {
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                    .until(() -> system.realtime(system.apiserver, "database", name).equals("running"));
        } catch (ConditionTimeoutException e) {
            // What the apiserver says of it (its hosts' last errors, the bootstrap's notes) is what tells why.
            throw new AssertionError(name + " not running after 120 s: " + getResource(system, name).path("detail"), e);
        }
    }

    private static void assertAgentRunsAsItsAccount(LocalSystem system, OpenSshHost host) throws Exception {
        assertEquals(host.agentAccount.name(), host.agentProcess().info().user().orElse(""));
        JsonNode hostView = system.get(system.apiserver, "/apis/v1alpha1/hosts/" + IP);
        assertEquals(host.agentAccount.name(), hostView.at("/agent/account").asText(), hostView.toString());
    }

    private static JsonNode getResource(LocalSystem system, String name) {
        try {
            return system.get(system.apiserver, API + name);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Deletes the resource and waits until it is gone: uninstalled, or forgotten where nothing was installed. */
    private static void delete(LocalSystem system, String name) throws Exception {
        assertEquals(200, system.apiserver.send("DELETE", API + name, null).statusCode());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> system.apiserver.send("GET", API + name, null).statusCode() == 404);
    }
}
