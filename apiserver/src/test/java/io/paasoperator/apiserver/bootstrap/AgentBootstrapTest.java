package io.paasoperator.apiserver.bootstrap;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.agentclient.AgentEndpoint;
import io.paasoperator.apiserver.host.AgentHost;
import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.SshTestHost;
import io.paasoperator.contract.AgentVersion;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bootstrap (SPEC.md §6) against real SSH servers (Apache MINA SSHD, one per loopback address), installing the real
 * agent, which then runs as a real process and answers over HTTP.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class AgentBootstrapTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @Inject
    HostAgents hostAgents;
    @Inject
    HostStore hosts;
    @Inject
    SecretCipher cipher;
    @Inject
    AgentClient agents;

    private final List<SshTestHost> started = new ArrayList<>();

    @BeforeEach
    void token() {
        ApiClientToken.sendWithEveryRequest();
    }

    @AfterEach
    void stopHosts() throws Exception {
        for (SshTestHost host : started) {
            host.close();
        }
    }

    @Test
    void firstUseInstallsStartsAndPinsTheHostKey() throws Throwable {
        SshTestHost host = host("127.0.0.31");
        AgentEndpoint agent = ready(spec(host, host.password));

        AgentHost row = row(host.ip);
        AgentVersion answer = await(() -> agents.version(host.ip, host.agentPort));
        assertEquals(row.agentBuild, answer.build(), "the agent answering is the build just installed");
        assertEquals("paas", row.agentAccount);
        assertTrue(row.sshHostKey.startsWith("ecdsa-sha2-nistp256 "), row.sshHostKey);
        given().get("/apis/v1alpha1/hosts/" + host.ip).then().statusCode(200)
                .body("agent.build", org.hamcrest.Matchers.equalTo(row.agentBuild))
                .body("ssh_host_key.fingerprint", org.hamcrest.Matchers.startsWith("SHA256:"))
                .body("$", org.hamcrest.Matchers.not(org.hamcrest.Matchers.hasKey("agent_secret")));

        Path settings = host.agentHome().resolve("agent.env");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(settings)));
        assertTrue(Files.readString(settings).contains("AGENT_PORT=" + host.agentPort));
        assertTrue(Files.readString(settings).contains("OPERATOR_URL=http://127.0.0.1:"), "where it reports after a restart");
        try (Stream<Path> left = Files.list(host.tmp)) {
            assertEquals(List.of(), left.toList(), "the staging directory is removed");
        }
        assertEquals(401, call(agent, null, "/operations/nothing"), "the agent refuses a call without its secret");
        assertEquals(404, call(agent, agent.secret(), "/operations/nothing"), "and takes one with it");

        // Looked at again: the same agent answers with the same build, so SSH is not used again.
        int connections = host.connections.get();
        hostAgents.distrust(endpointOf(host), AgentCallException.Failure.UNREACHABLE);
        assertEquals(agent.secret(), ready(spec(host, host.password)).secret());
        assertEquals(connections, host.connections.get());
    }

    @Test
    void aChangedHostKeyStopsTheBootstrapUntilAnAdministratorResetsThePin() throws Throwable {
        SshTestHost host = host("127.0.0.32");
        ready(spec(host, host.password));
        String pinned = row(host.ip).sshHostKey;
        host.runLocally(host.agentHome().resolve("bin/current/agentctl") + " stop");
        host.replaceHostKey();
        int commands = host.commands.size();
        hostAgents.distrust(endpointOf(host), AgentCallException.Failure.UNREACHABLE);

        BootstrapException refused = assertThrows(BootstrapException.class, () -> ready(spec(host, host.password)));
        assertTrue(refused.getMessage().contains("SSH host key of " + host.ip + " has changed"), refused.getMessage());
        assertTrue(refused.getMessage().contains("DELETE /apis/v1alpha1/hosts/" + host.ip + "/host-key"), refused.getMessage());
        assertEquals(commands, host.commands.size(), "nothing ran on a host that presented another key");
        given().get("/apis/v1alpha1/hosts/" + host.ip).then().statusCode(200)
                .body("last_error", containsString("has changed"));
        assertEquals(pinned, row(host.ip).sshHostKey);

        given().delete("/apis/v1alpha1/hosts/" + host.ip + "/host-key").then().statusCode(200);
        ready(spec(host, host.password));
        assertNotEquals(pinned, row(host.ip).sshHostKey, "the key met after the reset is pinned");
        given().delete("/apis/v1alpha1/hosts/127.0.0.250/host-key").then().statusCode(404);
        given().delete("/apis/v1alpha1/hosts/not-an-address/host-key").then().statusCode(400).body("errors[0].field",
                org.hamcrest.Matchers.equalTo("ip"));
    }

    @Test
    void aWrongPasswordFailsWithAReasonAndIsNotTriedAgain() throws Throwable {
        SshTestHost host = host("127.0.0.33");
        BootstrapException refused = assertThrows(BootstrapException.class, () -> ready(spec(host, "not-the-password")));
        assertTrue(refused.getMessage().contains("SSH login as 'paas' at " + host.ip + ":" + host.sshPort()
                + " refused: wrong password"), refused.getMessage());
        assertTrue(refused.getMessage().contains("auth[0]"), refused.getMessage());
        assertTrue(refused.credentialsRefused(), "the reconciler parks the host rather than try again");
        assertFalse(refused.getMessage().contains("not-the-password"));
        assertEquals(1, host.connections.get(), "a refused password is not tried again");
        assertEquals(List.of(), host.commands);
        given().get("/apis/v1alpha1/hosts/" + host.ip).then().statusCode(200).body("last_error", containsString("wrong password"));
    }

    @Test
    void anAgentOfAnotherBuildIsReplaced() throws Throwable {
        SshTestHost host = host("127.0.0.34");
        ready(spec(host, host.password));
        String carried = row(host.ip).agentBuild;
        long before = agentPid(host).orElseThrow();
        // As if an earlier apiserver of the same release had installed another build.
        Path settings = host.agentHome().resolve("agent.env");
        Files.writeString(settings, Files.readString(settings).replace("AGENT_BUILD=" + carried, "AGENT_BUILD=0123456789abcdef"));
        host.runLocally(host.agentHome().resolve("bin/current/agentctl") + " stop");
        host.runLocally(host.agentHome().resolve("bin/current/agentctl") + " start");
        awaitBuild(host, "0123456789abcdef");
        int connections = host.connections.get();

        hostAgents.distrust(endpointOf(host), AgentCallException.Failure.UNREACHABLE);
        ready(spec(host, host.password));
        assertEquals(connections + 1, host.connections.get(), "installed again over SSH");
        assertEquals(carried, await(() -> agents.version(host.ip, host.agentPort)).build());
        assertNotEquals(before, agentPid(host).orElseThrow(), "a new agent process");
    }

    @Test
    void anAgentThatRefusesOurSecretIsInstalledAgainWithANewOne() throws Throwable {
        SshTestHost host = host("127.0.0.38");
        AgentEndpoint first = ready(spec(host, host.password));
        // Someone else's secret on the host (its settings edited by hand, say).
        Path settings = host.agentHome().resolve("agent.env");
        Files.writeString(settings, Files.readString(settings).replace(first.secret(), "someone-elses-secret"));
        host.runLocally(host.agentHome().resolve("bin/current/agentctl") + " stop");
        host.runLocally(host.agentHome().resolve("bin/current/agentctl") + " start");
        awaitBuild(host, row(host.ip).agentBuild);
        AgentCallException refused = assertThrows(AgentCallException.class, () -> await(() -> agents.operation(first, "x")));
        assertEquals(AgentCallException.Failure.SECRET_REFUSED, refused.failure());

        hostAgents.distrust(first, refused.failure());
        AgentEndpoint second = ready(spec(host, host.password));
        assertNotEquals(first.secret(), second.secret(), "a new secret");
        assertEquals(404, call(second, second.secret(), "/operations/x"), "which the agent takes");
        assertEquals(401, call(second, first.secret(), "/operations/x"));
    }

    @Test
    void differentHostsAreBootstrappedAtOnceAndOneHostOnceAtATime() throws Throwable {
        SshTestHost left = host("127.0.0.41");
        SshTestHost right = host("127.0.0.42");
        // Two resources on one host ask at once, and a third on another host.
        List<HostSpec> asks = List.of(spec(left, left.password), spec(left, left.password), spec(right, right.password));
        ExecutorService callers = Executors.newFixedThreadPool(asks.size());
        List<Future<AgentEndpoint>> calls = new ArrayList<>();
        for (HostSpec ask : asks) {
            calls.add(callers.submit(() -> {
                try {
                    return ready(ask);
                } catch (Throwable e) {
                    throw new ExecutionException(e);
                }
            }));
        }
        List<Throwable> outcomes = new ArrayList<>();
        for (Future<AgentEndpoint> call : calls) {
            try {
                call.get(120, TimeUnit.SECONDS);
                outcomes.add(null);
            } catch (ExecutionException e) {
                outcomes.add(e.getCause() instanceof ExecutionException nested ? nested.getCause() : e.getCause());
            }
        }
        callers.shutdown();
        assertEquals(1, left.connections.get(), "one host, one bootstrap: " + outcomes);
        assertTrue(outcomes.stream().filter(Objects::nonNull).allMatch(HostAgents.InstallingElsewhere.class::isInstance),
                "the other asker is told to wait: " + outcomes);
        assertEquals(null, outcomes.get(2));
        Instant[] a = left.sessions.get(0);
        Instant[] b = right.sessions.get(0);
        assertTrue(a[0].isBefore(b[1]) && b[0].isBefore(a[1]), "the two hosts' SSH sessions overlap: "
                + List.of(a[0], a[1], b[0], b[1]));
    }

    @Test
    void anAgentThatDiesIsStartedAgainByItsKeeper() throws Throwable {
        SshTestHost host = host("127.0.0.35");
        ready(spec(host, host.password));
        long first = agentPid(host).orElseThrow();
        ProcessHandle.of(first).orElseThrow().destroyForcibly();
        Instant deadline = Instant.now().plusSeconds(60);
        while (agentPid(host).stream().noneMatch(pid -> pid != first) || !answers(host)) {
            assertTrue(Instant.now().isBefore(deadline), "the agent was not started again");
            Thread.sleep(200);
        }
    }

    @Test
    void aJarAgentOnAHostWithoutJavaFailsWithAReason() throws Throwable {
        SshTestHost host = host("127.0.0.36");
        host.setPath(toolsWithoutJava(host).toString());
        BootstrapException refused = assertThrows(BootstrapException.class, () -> ready(spec(host, host.password)));
        assertTrue(refused.getMessage().contains("needs Java 17 or later on PATH"), refused.getMessage());
        try (Stream<Path> left = Files.list(host.tmp)) {
            assertEquals(List.of(), left.toList(), "the staging directory is removed after a failure too");
        }
    }

    @Test
    void anAgentThatNeverAnswersFailsTheBootstrapWithWhereToLook() throws Throwable {
        SshTestHost host = host("127.0.0.39");
        // Something else holds the agent's port and hangs up on every caller: the agent cannot listen there.
        try (ServerSocket squatter = new ServerSocket(host.agentPort, 50, InetAddress.getByName(host.ip))) {
            Thread hangUp = new Thread(() -> {
                while (!squatter.isClosed()) {
                    try {
                        squatter.accept().close();
                    } catch (IOException closed) {
                        // the test is over
                    }
                }
            });
            hangUp.setDaemon(true);
            hangUp.start();
            BootstrapException refused = assertThrows(BootstrapException.class, () -> ready(spec(host, host.password)));
            assertTrue(refused.getMessage().contains("was installed on " + host.ip + " as 'paas' but does not answer within"),
                    refused.getMessage());
            assertTrue(refused.getMessage().contains("~/.paas-agent/agent.log"), refused.getMessage());
            given().get("/apis/v1alpha1/hosts/" + host.ip).then().statusCode(200).body("last_error", containsString("does not answer"));
        }
    }

    @Test
    void noSshServerIsSaidPlainlyAfterBoundedAttempts() throws IOException {
        int closedPort = SshTestHost.freePort("127.0.0.37");
        HostSpec nowhere = new HostSpec("127.0.0.37", closedPort, SshTestHost.freePort("127.0.0.37"),
                List.of(new HostSpec.Credential("paas", cipher.encrypt("pw"))));
        BootstrapException refused = assertThrows(BootstrapException.class, () -> ready(nowhere));
        assertTrue(refused.getMessage().contains("cannot reach SSH at 127.0.0.37:" + closedPort + ": connection refused"),
                refused.getMessage());
        assertTrue(refused.getMessage().contains("3 attempts"), refused.getMessage());
    }

    private SshTestHost host(String ip) throws Exception {
        Path base = Files.createDirectories(Path.of("target", "ssh-hosts")).toAbsolutePath();
        SshTestHost host = SshTestHost.start(ip, Files.createTempDirectory(base, ip + "-"));
        started.add(host);
        return host;
    }

    /** The host's agent as a failed call knew it; the secret does not matter for an unreachable one. */
    private static AgentEndpoint endpointOf(SshTestHost host) {
        return new AgentEndpoint(host.ip, host.agentPort, null);
    }

    private HostSpec spec(SshTestHost host, String password) {
        return new HostSpec(host.ip, host.sshPort(), host.agentPort,
                List.of(new HostSpec.Credential(host.username, cipher.encrypt(password))));
    }

    private AgentEndpoint ready(HostSpec host) throws Throwable {
        return await(() -> hostAgents.ready(host, BootstrapNotes.NONE));
    }

    private AgentHost row(String ip) throws Throwable {
        return await(() -> hosts.get(ip));
    }

    /** Runs reactive work on a Vert.x context and waits; a failure is thrown as itself. */
    private static <T> T await(Supplier<Uni<T>> work) throws Throwable {
        try {
            return VertxContextSupport.subscribeAndAwait(work);
        } catch (java.util.concurrent.CompletionException e) {
            throw e.getCause();
        }
    }

    private static int call(AgentEndpoint agent, String secret, String path) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + agent.ip() + ":" + agent.port() + path))
                .timeout(Duration.ofSeconds(5));
        if (secret != null) {
            request.header("Authorization", "Bearer " + secret);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private boolean answers(SshTestHost host) {
        try {
            return await(() -> agents.version(host.ip, host.agentPort)) != null;
        } catch (Throwable notYet) {
            return false;
        }
    }

    private void awaitBuild(SshTestHost host, String build) throws Throwable {
        Instant deadline = Instant.now().plusSeconds(60);
        while (true) {
            try {
                if (build.equals(await(() -> agents.version(host.ip, host.agentPort)).build())) {
                    return;
                }
            } catch (AgentCallException notYet) {
                // starting
            }
            assertTrue(Instant.now().isBefore(deadline), "no agent of build " + build + " answered");
            Thread.sleep(200);
        }
    }

    /** The agent process of this simulated host: the java running the jar under its home. */
    private static OptionalLong agentPid(SshTestHost host) {
        String jar = host.agentHome() + "/bin/current/quarkus-run.jar";
        return ProcessHandle.allProcesses().filter(p -> p.info().arguments().map(a -> List.of(a).contains(jar)).orElse(false))
                .mapToLong(ProcessHandle::pid).findFirst();
    }

    /** A PATH with every tool the bootstrap's scripts use, and no java. */
    private static Path toolsWithoutJava(SshTestHost host) throws Exception {
        Path bin = Files.createDirectories(host.home.getParent().resolve("tools"));
        for (String tool : List.of("sh", "mktemp", "chmod", "cat", "rm", "id", "stty", "mkdir", "tar", "gzip", "mv",
                "readlink", "cmp", "ln", "basename", "setsid", "sed", "head", "wc", "kill", "sleep", "dirname", "tail", "tr",
                "cut", "sha256sum")) {
            Path found = Stream.of("/usr/bin/", "/bin/").map(d -> Path.of(d + tool)).filter(Files::isExecutable).findFirst()
                    .orElseThrow(() -> new AssertionError(tool + " is not on this machine"));
            Files.createSymbolicLink(bin.resolve(tool), found);
        }
        return bin;
    }

}
