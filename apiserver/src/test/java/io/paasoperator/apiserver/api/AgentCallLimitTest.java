package io.paasoperator.apiserver.api;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Back-pressure towards agents: with {@code paas.api.max-agent-calls} of their calls in flight, the next is answered 503
 * with Retry-After and a problem at once; once one of them ends (answered, or its connection closed), calls are served
 * again. The calls in flight are held open by their bodies arriving slowly, as a slow or overloaded path would.
 */
@QuarkusTest
@TestProfile(AgentCallLimitTest.TwoAgentCalls.class)
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class AgentCallLimitTest {

    static final int MAX = 2;
    private static final String HOST = "127.0.0.105";
    private static final String REPORT = "{\"reports\": []}";
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    public static class TwoAgentCalls implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("paas.api.max-agent-calls", String.valueOf(MAX));
        }
    }

    @Inject
    AgentCallLimit limit;

    @Test
    void pastTheBoundAgentCallsAreToldToComeBackAndServedOnceBelowIt() throws Exception {
        String agent = AgentIdentity.bearer(HOST);
        assertEquals(202, report(agent).statusCode(), "served below the bound");

        // A place is given back just after its answer is written, so the client may hold its 202 a moment before the
        // place is free: each held call is opened once the calls before it have given theirs back, else it would be
        // refused itself, and the test would hold nothing.
        try (Socket first = hold(agent, 0); Socket second = hold(agent, 1)) {
            HttpResponse<String> refused = report(agent);
            assertEquals(503, refused.statusCode(), refused.body());
            assertEquals("application/problem+json", refused.headers().firstValue("content-type").orElse(""));
            long wait = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
            assertTrue(wait >= 1 && wait <= 10, "Retry-After " + wait);
            JsonNode problem = new ObjectMapper().readTree(refused.body());
            assertEquals(503, problem.path("status").asInt(), refused.body());
            assertTrue(problem.path("detail").asText().contains("paas.api.max-agent-calls"), refused.body());
            // Every agent route is bounded, action results and per-application reports too; other routes are not.
            assertEquals(503, send("PUT", "/apis/v1alpha1/database/x/operations/op-1", "{}", agent).statusCode());
            assertEquals(503, send("PUT", "/apis/v1alpha1/database/x/check", "{\"code\":\"0\"}", agent).statusCode());
            assertEquals(200, send("GET", "/apis/v1alpha1/hosts", null, "Bearer test-token-current").statusCode());
            assertEquals(2, limit.inFlight(), "a refused call takes no place");

            // The first call's body arrives: it is answered as usual, and its place is free again.
            finish(first);
            assertTrue(readStatusLine(first).startsWith("HTTP/1.1 202"), "the held call is served");
            awaitInFlight(1);
            assertEquals(202, report(agent).statusCode());

            // A caller that goes away mid-call frees its place as well.
            try (Socket third = hold(agent, 1)) {
                assertEquals(503, report(agent).statusCode());
            }
            awaitInFlight(1);
            assertEquals(202, report(agent).statusCode());
        }
        awaitInFlight(0);
        assertEquals(202, report(agent).statusCode());
    }

    /** Opens a held host report once {@code before} calls are in flight, and waits until it is admitted as well. */
    private Socket hold(String agent, int before) throws Exception {
        awaitInFlight(before);
        Socket socket = startReport(agent);
        awaitInFlight(before + 1);
        return socket;
    }

    private void awaitInFlight(int calls) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertEquals(calls, limit.inFlight(), "agent calls in flight"));
    }

    private static HttpResponse<String> report(String agent) throws Exception {
        return send("PUT", "/apis/v1alpha1/hosts/" + HOST + "/report", REPORT, agent);
    }

    private static HttpResponse<String> send(String method, String path, String body, String authorization) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .timeout(Duration.ofSeconds(10)).header("Authorization", authorization).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** A host report whose headers and first byte are sent, the rest of its body not yet. */
    private static Socket startReport(String agent) throws Exception {
        Socket socket = new Socket("localhost", RestAssured.port);
        socket.setSoTimeout(10_000);
        OutputStream out = socket.getOutputStream();
        out.write(("PUT /apis/v1alpha1/hosts/" + HOST + "/report HTTP/1.1\r\nHost: localhost\r\nAuthorization: " + agent
                + "\r\nContent-Type: application/json\r\nContent-Length: " + REPORT.length() + "\r\n\r\n"
                + REPORT.charAt(0)).getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return socket;
    }

    private static void finish(Socket socket) throws Exception {
        socket.getOutputStream().write(REPORT.substring(1).getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
    }

    private static String readStatusLine(Socket socket) throws Exception {
        return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
    }
}
