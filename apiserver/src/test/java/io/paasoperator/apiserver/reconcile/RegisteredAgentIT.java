package io.paasoperator.apiserver.reconcile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.itsupport.AgentProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Agents installed by other means (SPEC.md §3), end to end: real agent processes started here as cloud-init would, on
 * loopback addresses where no SSH server listens, registered through the API; resources list those hosts without
 * auth; the packaged apiserver runs their scripts through them, and never bootstraps them. A wrong secret, or a host
 * with neither a registered agent nor auth, fails the host's step with an error that says what to do.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegisteredAgentIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String KIND = "middleware";

    static LocalSystem system;
    static ApiserverProcess apiserver;
    static final List<AgentProcess> agents = new ArrayList<>();
    /** Every secret a test registered or gave an agent: none may appear in an answer or a log. */
    static final List<String> secrets = new ArrayList<>();

    @BeforeAll
    static void startTheSystem() throws Exception {
        system = LocalSystem.start("registered");
        apiserver = system.apiserver;
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        for (AgentProcess agent : agents) {
            agent.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void aRegisteredAgentRunsTheResourceAndItsHostIsNeverBootstrapped() throws Exception {
        String secret = newSecret();
        AgentProcess agent = startAgent("127.0.0.61", secret);
        HttpResponse<String> registered = register(agent, secret);
        assertEquals(200, registered.statusCode(), registered.body());
        JsonNode answer = JSON.readTree(registered.body());
        assertTrue(answer.path("registered").asBoolean(), registered.body());
        // Looked at before the answer: the release it runs, and no error.
        assertEquals(agentVersion(agent).path("version").asText(), answer.at("/agent/version").asText(), registered.body());
        assertTrue(answer.path("last_error").isMissingNode(), registered.body());

        String name = "registered-counter";
        create(name, agent);
        put(name, "running");
        awaitRealtime(name, "running");

        // The scripts ran through the registered agent: install once, then start.
        assertEquals("run\n", Files.readString(agent.appHome(KIND, name).resolve("install-count")));
        assertTrue(Files.exists(agent.appHome(KIND, name).resolve("running")));
        assertNoBootstrap(name);
        JsonNode host = get("/apis/v1alpha1/hosts/" + agent.ip);
        assertTrue(host.path("registered").asBoolean(), host.toString());
        assertTrue(host.path("last_error").isMissingNode(), host.toString());
        // What the agent answered when verified; nothing of an install (no account, no install time): there was none.
        JsonNode version = agentVersion(agent);
        assertEquals(version.path("version").asText(), host.at("/agent/version").asText(), host.toString());
        assertFalse(version.path("version").asText().isEmpty(), version.toString());
        // An agent started from its jar has no build (one the bootstrap installed reports its archive's digest).
        assertEquals(version.path("build").isNull() ? "" : version.path("build").asText(), host.at("/agent/build").asText(),
                host.toString());
        assertTrue(host.at("/agent/account").isMissingNode() && host.at("/agent/installed_at").isMissingNode(), host.toString());

        // Its health reports are taken by the registered secret: stopped behind the agent's back, reported failed.
        Files.delete(agent.appHome(KIND, name).resolve("running"));
        await().atMost(CONVERGE).until(() -> events(name).stream()
                .anyMatch(e -> e.path("to").asText().equals("failed") && e.path("cause").asText().equals("health-report")));

        put(name, "not-installed");
        awaitRealtime(name, "not-installed");
        assertFalse(Files.exists(agent.appHome(KIND, name)));
        assertNoBootstrap(name);
    }

    @Test
    @Order(2)
    void aWrongSecretFailsTheHostSayingToRegisterAgainAndRegisteringTheRightOneHealsIt() throws Exception {
        String secret = newSecret();
        AgentProcess agent = startAgent("127.0.0.62", secret);
        String wrong = newSecret();
        HttpResponse<String> registered = register(agent, wrong);
        assertEquals(200, registered.statusCode());
        // Stored, and the answer already says the agent refuses it.
        assertTrue(JSON.readTree(registered.body()).path("last_error").asText().contains("the registered agent on " + agent.ip
                + ":" + agent.port + " refuses the registered secret"), registered.body());

        String name = "registered-wrong-secret";
        create(name, agent);
        put(name, "running");
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("the refused secret as the host's error")
                .until(() -> hostError(name).contains("the registered agent on " + agent.ip + ":" + agent.port
                        + " refuses the registered secret: register it again with the agent's secret"));
        assertNotEquals("running", system.realtime(apiserver, KIND, name));
        assertFalse(Files.exists(agent.appHome(KIND, name).resolve("install-count")), "a script ran with a refused secret");
        assertNoBootstrap(name);
        JsonNode host = get("/apis/v1alpha1/hosts/" + agent.ip);
        assertTrue(host.path("last_error").asText().contains("refuses the registered secret"), host.toString());

        // Registered again with the agent's own secret: the failed step is tried at once, not after its backoff, and the
        // host gets there without anyone asking anew.
        assertTrue(hostState(name).path("failure_count").asInt() > 0);
        assertEquals(200, register(agent, secret).statusCode());
        JsonNode retried = hostState(name);
        assertEquals(0, retried.path("failure_count").asInt(), retried.toString());
        assertTrue(retried.path("next_retry_at").isMissingNode(), retried.toString());
        awaitRealtime(name, "running");
        assertEquals("run\n", Files.readString(agent.appHome(KIND, name).resolve("install-count")));
        assertNoBootstrap(name);
        assertTrue(get("/apis/v1alpha1/hosts/" + agent.ip).path("last_error").isMissingNode(), "the refusal still shown");
    }

    @Test
    @Order(3)
    void anAgentRegisteredBeforeItStartsIsUsedOnceItAnswersAndItsErrorGoes() throws Exception {
        String ip = "127.0.0.65";
        String secret = newSecret();
        int port = AgentProcess.freePort(ip);
        HttpResponse<String> registered = apiserver.send("PUT", "/apis/v1alpha1/hosts/" + ip,
                JSON.writeValueAsString(Map.of("agent_port", port, "secret", secret)));
        assertEquals(200, registered.statusCode(), registered.body());
        JsonNode answer = JSON.readTree(registered.body());
        assertTrue(answer.path("last_error").asText().contains("the registered agent on " + ip + ":" + port + " does not answer"),
                registered.body());
        assertTrue(answer.path("agent").isMissingNode(), registered.body());

        AgentProcess agent = startAgent(ip, port, secret);
        String name = "registered-late";
        create(name, agent);
        put(name, "running");
        awaitRealtime(name, "running");
        JsonNode host = get("/apis/v1alpha1/hosts/" + ip);
        assertTrue(host.path("last_error").isMissingNode(), "the error of before it answered is still shown: " + host);
        assertEquals(agentVersion(agent).path("version").asText(), host.at("/agent/version").asText(), host.toString());
        put(name, "not-installed");
        awaitRealtime(name, "not-installed");
    }

    @Test
    @Order(4)
    void aHostWithNeitherARegisteredAgentNorAuthFailsSayingWhatToDo() throws Exception {
        String ip = "127.0.0.63";
        String name = "unregistered-no-auth";
        Map<String, Object> body = system.body(name, system.host2, "counter", Map.of(), "unused");
        body = new HashMap<>(body);
        body.put("host", List.of(Map.of("ip", ip)));
        HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body));
        assertEquals(201, created.statusCode(), created.body());
        put(name, "running");
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("no agent nor auth as the host's error")
                .until(() -> hostError(name).contains(ip + " has neither a registered agent nor auth to install one over SSH:"
                        + " register its agent (PUT /apis/v1alpha1/hosts/" + ip + ") or give the host auth"));
        assertNoBootstrap(name);
    }

    @Test
    @Order(5)
    void noSecretInAnyAnswerOrLogAndNoRequestFailed() throws Exception {
        String answers = apiserver.send("GET", "/apis/v1alpha1/hosts", null).body()
                + apiserver.send("GET", "/apis/v1alpha1/" + KIND, null).body()
                + apiserver.send("GET", "/apis/v1alpha1/" + KIND + "/registered-counter/events?limit=1000", null).body()
                + apiserver.send("GET", "/apis/v1alpha1/" + KIND + "/registered-wrong-secret/events?limit=1000", null).body();
        String log = Files.readString(apiserver.log());
        for (String secret : secrets) {
            assertFalse(answers.contains(secret), "a secret in an answer");
            assertFalse(log.contains(secret), "a secret in the apiserver's log");
        }
        assertFalse(log.contains("request failed, incident"), "a request failed with a 500; see " + apiserver.log());
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static String newSecret() {
        String secret = "registered-secret-" + Math.abs(new SecureRandom().nextLong());
        secrets.add(secret);
        return secret;
    }

    private static AgentProcess startAgent(String ip, String secret) throws Exception {
        return startAgent(ip, AgentProcess.freePort(ip), secret);
    }

    private static AgentProcess startAgent(String ip, int port, String secret) throws Exception {
        AgentProcess agent = AgentProcess.start(ip, port, system.work.resolve("installed-" + ip), secret,
                "http://127.0.0.1:" + system.service.port(),
                Path.of("target", "it-logs", "registered-agent-" + ip + ".log"));
        agents.add(agent);
        return agent;
    }

    /** What the agent itself answers to /version. */
    private static JsonNode agentVersion(AgentProcess agent) throws Exception {
        return JSON.readTree(java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                java.net.URI.create("http://" + agent.ip + ":" + agent.port + "/version")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body());
    }

    private static HttpResponse<String> register(AgentProcess agent, String secret) throws Exception {
        return apiserver.send("PUT", "/apis/v1alpha1/hosts/" + agent.ip,
                JSON.writeValueAsString(Map.of("agent_port", agent.port, "secret", secret)));
    }

    /** A counter resource on the agent's host, listed without auth: a registered host needs none. */
    private static void create(String name, AgentProcess agent) throws Exception {
        Map<String, Object> body = new HashMap<>(system.body(name, system.host2, "counter", Map.of("INSTALL_SECONDS", "1"), "unused"));
        body.put("host", List.of(Map.of("ip", agent.ip, "agent_port", agent.port)));
        HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body));
        assertEquals(201, created.statusCode(), created.body());
    }

    private static void put(String name, String target) throws Exception {
        system.put(KIND, name, target);
    }

    private static JsonNode get(String path) throws Exception {
        return system.get(apiserver, path);
    }

    private static JsonNode hostState(String name) throws Exception {
        return get("/apis/v1alpha1/" + KIND + "/" + name).at("/detail/hosts/0");
    }

    private static String hostError(String name) throws Exception {
        return hostState(name).path("last_error").asText("");
    }

    private static void awaitRealtime(String name, String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(name + " reaching " + state)
                .until(() -> system.realtime(apiserver, KIND, name).equals(state));
    }

    private static List<JsonNode> events(String name) throws Exception {
        JsonNode events = get("/apis/v1alpha1/" + KIND + "/" + name + "/events?limit=1000");
        return Stream.iterate(0, i -> i < events.size(), i -> i + 1).map(events::get).toList();
    }

    /** No bootstrap was started for the resource's host: no such event, and no install over SSH was logged. */
    private static void assertNoBootstrap(String name) throws Exception {
        List<JsonNode> bootstraps = events(name).stream().filter(e -> e.path("type").asText().equals("bootstrap")).toList();
        assertEquals(List.of(), bootstraps, "bootstrap events for " + name);
        assertFalse(Files.readString(apiserver.log()).contains("installing the agent on 127.0.0.6"), "a bootstrap was logged");
    }
}
