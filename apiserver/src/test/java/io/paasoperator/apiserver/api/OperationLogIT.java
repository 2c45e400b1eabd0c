package io.paasoperator.apiserver.api;

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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
 * {@code GET /{kind}/{name}/operations/{id}/log} end to end: the packaged apiserver, two real agents registered on
 * 127.0.0.162 and 127.0.0.163 (no SSH), a resource on both running a real script set from a real HTTP repository that
 * prints ~220 KB per action (far more than the events' tail), and each host's whole log read through the apiserver
 * with a viewer's token, compared with what the script printed there. Then the refusals: unknown resource, operation
 * and host, a host that did not run it, a running operation, and an agent that no longer answers.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OperationLogIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final Duration CONVERGE = Duration.ofSeconds(90);
    private static final String KIND = "middleware";
    private static final String PAIR = "chatty-pair";
    private static final int LINES = 5000;
    private static final String VIEWER = "viewer-token-" + Math.abs(new SecureRandom().nextLong());

    static LocalSystem system;
    static ApiserverProcess apiserver;
    static AgentProcess first;
    static AgentProcess second;
    static final List<String> secrets = new ArrayList<>();

    @BeforeAll
    static void startTheSystem() throws Exception {
        system = LocalSystem.startWithoutSshHosts("oplog", Map.of("PAAS_API_TOKENS",
                "it-token-" + ProcessHandle.current().pid() + ",reader:viewer:" + VIEWER));
        apiserver = system.apiserver;
        Path chatty = Files.createDirectories(system.work.resolve("repo").resolve("chatty"));
        try (Stream<Path> scripts = Files.list(Path.of("..", "agent", "src", "test", "resources", "repo", "chatty"))) {
            for (Path script : scripts.toList()) {
                Files.copy(script, chatty.resolve(script.getFileName().toString()));
            }
        }
        first = startAndRegister("127.0.0.162");
        second = startAndRegister("127.0.0.163");
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        for (AgentProcess agent : new AgentProcess[] {first, second}) {
            if (agent != null) {
                agent.close();
            }
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void eachHostsWholeLogIsReadThroughTheApiserverAsTheScriptPrintedIt() throws Exception {
        create(PAIR, Map.of("LOG_LINES", String.valueOf(LINES)), first, second);
        system.put(KIND, PAIR, "running");
        awaitRealtime(PAIR, "running");

        for (AgentProcess agent : List.of(first, second)) {
            JsonNode install = actionEvent(PAIR, "install", agent.ip);
            String id = install.path("operation_id").asText();
            String link = "/apis/v1alpha1/" + KIND + "/" + PAIR + "/operations/" + id + "/log?host=" + agent.ip;
            assertEquals(link, install.path("log").asText(), install.toString());

            String expected = printed("install", PAIR, agent.ip, LINES);
            assertTrue(expected.length() > 200_000, expected.length() + " bytes printed");
            assertTrue(expected.endsWith(install.path("output_tail").asText()) && install.path("output_tail").asText().length() < 5000,
                    "the event carries only the end");

            HttpResponse<String> log = read(link);
            assertEquals(200, log.statusCode(), log.body());
            assertEquals("text/plain;charset=utf-8", log.headers().firstValue("Content-Type").orElse("").replace(" ", ""));
            assertEquals(expected, log.body(), "the log of " + agent.ip);
            // The events name the host: the link works without it too.
            assertEquals(expected, read(link.replaceFirst("\\?host=.*", "")).body());
        }
        // Each host's own: the start of the first host is not on the second.
        String startOnFirst = actionEvent(PAIR, "start", first.ip).path("operation_id").asText();
        HttpResponse<String> elsewhere = read(path(PAIR, startOnFirst) + "?host=" + second.ip);
        assertProblem(404, elsewhere, "the agent on " + second.ip + " has no log of operation " + startOnFirst
                + " of middleware '" + PAIR + "': no operation " + startOnFirst + " on this agent");
        assertEquals(printed("start", PAIR, first.ip, LINES), read(path(PAIR, startOnFirst)).body());
    }

    @Test
    @Order(2)
    void unknownResourceOperationOrHostIsA404AndABadHostA400() throws Exception {
        String id = actionEvent(PAIR, "install", first.ip).path("operation_id").asText();
        assertProblem(404, read(path("no-such-resource", id)), "middleware 'no-such-resource' does not exist");
        assertProblem(404, read("/apis/v1alpha1/no-such-kind/" + PAIR + "/operations/" + id + "/log"), "no such kind 'no-such-kind'");
        assertProblem(404, read(path(PAIR, "no-such-operation")), "no event of middleware '" + PAIR
                + "' names operation no-such-operation; for one that has not reported yet, name the host that runs it: ?host=<ip>");
        assertProblem(404, read(path(PAIR, "a%20b")), "no operation a b of middleware '" + PAIR + "': operation ids are");
        assertProblem(404, read(path(PAIR, id) + "?host=127.0.0.169"), "127.0.0.169 is not one of the hosts of middleware '"
                + PAIR + "' (" + first.ip + ", " + second.ip + ")");
        HttpResponse<String> badHost = read(path(PAIR, id) + "?host=not-an-address");
        assertProblem(400, badHost, "");
        assertEquals("host", JSON.readTree(badHost.body()).at("/errors/0/field").asText(), badHost.body());
        assertProblem(404, read(path(PAIR, "no-such-operation") + "?host=" + first.ip),
                "the agent on " + first.ip + " has no log of operation no-such-operation");
    }

    @Test
    @Order(3)
    void aRunningOperationsLogIsWhatItPrintedSoFarAndItsHostIsFoundWhileItRuns() throws Exception {
        String name = "chatty-hold";
        create(name, Map.of("LOG_LINES", "300", "HOLD", "yes"), first, second);
        system.put(KIND, name, "running");
        // The start script prints, then waits for its release: its operation is in flight, with no event yet.
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("a start in flight on " + first.ip)
                .until(() -> "start".equals(inFlight(name, 0).path("action").asText()));
        String id = inFlight(name, 0).path("operation_id").asText();
        String expected = printed("start", name, first.ip, 300);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("the running start's 300 lines")
                .until(() -> read(path(name, id)).body().equals(expected));

        Files.writeString(first.appHome(KIND, name).resolve("release"), "");
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("the second host's start in flight")
                .until(() -> "start".equals(inFlight(name, 1).path("action").asText()));
        Files.writeString(second.appHome(KIND, name).resolve("release"), "");
        awaitRealtime(name, "running");
        assertEquals(expected + "released\n", read(path(name, id)).body());
    }

    @Test
    @Order(4)
    void anAgentThatNoLongerAnswersIsA502SayingWhatToDo() throws Exception {
        String id = actionEvent(PAIR, "install", second.ip).path("operation_id").asText();
        second.close();
        HttpResponse<String> log = read(path(PAIR, id));
        assertProblem(502, log, "cannot read the log of operation " + id + " from " + second.ip + ": no agent answers at "
                + second.ip + ":" + second.port);
        assertTrue(JSON.readTree(log.body()).path("detail").asText().endsWith("The host or its agent is down: GET"
                + " /apis/v1alpha1/hosts/" + second.ip + " and the resource's detail.hosts[] show its last error; try again"
                + " once the agent answers"), log.body());
        // The other host's logs are still there.
        String onFirst = actionEvent(PAIR, "install", first.ip).path("operation_id").asText();
        assertEquals(printed("install", PAIR, first.ip, LINES), read(path(PAIR, onFirst)).body());
    }

    @Test
    @Order(5)
    void theDocumentDescribesTheLogAsTextAndNoRequestFailedNorLeakedASecret() throws Exception {
        JsonNode document = JSON.readTree(apiserver.send("GET", "/q/openapi?format=json", null).body());
        JsonNode operation = document.at("/paths/~1apis~1v1alpha1~1middleware~1{name}~1operations~1{id}~1log/get");
        assertEquals("getMiddlewareOperationLog", operation.path("operationId").asText(), operation.toString());
        assertEquals("string", operation.at("/responses/200/content/text~1plain/schema/type").asText(), operation.toString());
        assertFalse(operation.at("/responses/502").isMissingNode(), operation.toString());

        String log = Files.readString(apiserver.log());
        assertFalse(log.contains("request failed, incident"), "a request failed with a 500; see " + apiserver.log());
        for (String secret : secrets) {
            assertFalse(log.contains(secret), "an agent's secret in the apiserver's log");
        }
    }

    // ---- helpers -----------------------------------------------------------------------------------------

    private static AgentProcess startAndRegister(String ip) throws Exception {
        String secret = "oplog-secret-" + Math.abs(new SecureRandom().nextLong());
        secrets.add(secret);
        AgentProcess agent = AgentProcess.start(ip, system.work.resolve("agent-" + ip), secret,
                "http://127.0.0.1:" + system.service.port(),
                Path.of("target", "it-logs", "oplog-agent-" + ip + ".log"));
        HttpResponse<String> registered = apiserver.send("PUT", "/apis/v1alpha1/hosts/" + ip,
                JSON.writeValueAsString(Map.of("agent_port", agent.port, "secret", secret)));
        assertEquals(200, registered.statusCode(), registered.body());
        return agent;
    }

    private static void create(String name, Map<String, String> metadata, AgentProcess... hosts) throws Exception {
        Map<String, Object> app = new HashMap<>(Map.of("repo_url", system.repo.url("chatty"), "install", "install.sh",
                "start", "start.sh", "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh", "metadata", metadata));
        List<Map<String, Object>> hostList = Stream.of(hosts).map(h -> Map.<String, Object>of("ip", h.ip, "agent_port", h.port)).toList();
        HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create",
                JSON.writeValueAsString(Map.of("name", name, "host", hostList, "app", app)));
        assertEquals(201, created.statusCode(), created.body());
    }

    /** Exactly what chatty's {@code action}.sh prints on host {@code ip} with LOG_LINES={@code lines}, in order. */
    private static String printed(String action, String name, String ip, int lines) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            out.append(String.format("%s of %s on %s: line %07d of %07d%s%n", action, name, ip, i, lines, i % 7 == 0 ? " (stderr)" : ""));
        }
        return out.toString();
    }

    private static String path(String name, String id) {
        return "/apis/v1alpha1/" + KIND + "/" + name + "/operations/" + id + "/log";
    }

    /** A GET with the viewer's token: reading logs is a read. */
    private static HttpResponse<String> read(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + apiserver.port + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + VIEWER).GET().build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertProblem(int status, HttpResponse<String> answer, String detailStart) throws Exception {
        assertEquals(status, answer.statusCode(), answer.body());
        assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""), answer.body());
        JsonNode problem = JSON.readTree(answer.body());
        assertEquals(status, problem.path("status").asInt(), answer.body());
        assertTrue(problem.path("detail").asText().startsWith(detailStart), answer.body());
        assertNotEquals("", problem.path("detail").asText());
    }

    private static JsonNode actionEvent(String name, String action, String ip) throws Exception {
        JsonNode events = system.get(apiserver, "/apis/v1alpha1/" + KIND + "/" + name + "/events?limit=1000");
        for (JsonNode event : events) {
            if (event.path("type").asText().equals("action") && ip.equals(event.path("host").asText())
                    && event.path("message").asText().startsWith(action + " ")) {
                return event;
            }
        }
        throw new AssertionError("no " + action + " event on " + ip + " in " + events);
    }

    private static JsonNode inFlight(String name, int host) throws Exception {
        return system.get(apiserver, "/apis/v1alpha1/" + KIND + "/" + name).at("/detail/hosts/" + host + "/in_flight");
    }

    private static void awaitRealtime(String name, String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(name + " reaching " + state)
                .until(() -> system.realtime(apiserver, KIND, name).equals(state));
    }
}
