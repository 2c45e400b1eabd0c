package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Raw HTTP, without the suite's default token, to see what a client without one gets. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ApiAuthenticationTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> call(String method, String path, String body, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyApiRouteRefusesAMissingOrWrongToken() throws Exception {
        String name = Seeds.uniqueName("auth");
        List<String[]> routes = List.of(
                new String[] {"POST", "/apis/v1alpha1/database/create", Seeds.minimalBody(name, "stopped", "stopped")},
                new String[] {"GET", "/apis/v1alpha1/database", null},
                new String[] {"GET", "/apis/v1alpha1/database/" + name, null},
                new String[] {"GET", "/apis/v1alpha1/database/" + name + "/status", null},
                new String[] {"GET", "/apis/v1alpha1/database/" + name + "/events", null},
                new String[] {"PUT", "/apis/v1alpha1/database/" + name + "/running", ""},
                new String[] {"PUT", "/apis/v1alpha1/database/" + name + "/restart", ""},
                new String[] {"DELETE", "/apis/v1alpha1/database/" + name, null},
                new String[] {"GET", "/apis/v1alpha1/database/status/changed/0101", null},
                new String[] {"GET", "/apis/v1alpha1/hosts", null},
                new String[] {"GET", "/apis/v1alpha1/hosts/127.0.0.2", null},
                new String[] {"DELETE", "/apis/v1alpha1/hosts/127.0.0.2/host-key", null},
                new String[] {"GET", "/apis/v1alpha1/nothing/here", null});
        for (String[] route : routes) {
            for (String token : new String[] {null, "wrong", "test-token-curren", "test-token-old", ""}) {
                HttpResponse<String> answer = call(route[0], route[1], route[2], token);
                assertEquals(401, answer.statusCode(), route[0] + " " + route[1] + " with " + token);
                assertEquals("application/problem+json", answer.headers().firstValue("content-type").orElse(""));
                assertEquals("Bearer", answer.headers().firstValue("www-authenticate").orElse(""));
            }
        }
        assertEquals(404, call("GET", "/apis/v1alpha1/database/" + name + "/status", null, "test-token-current").statusCode(),
                "nothing was created by the refused calls");
    }

    @Test
    void everyConfiguredTokenIsValidSoTokensRotateWithoutDowntime() throws Exception {
        String name = Seeds.uniqueName("rotate");
        assertEquals(201, call("POST", "/apis/v1alpha1/middleware/create", Seeds.minimalBody(name, "stopped", "stopped"),
                "test-token-current").statusCode());
        assertEquals(200, call("GET", "/apis/v1alpha1/middleware/" + name, null, "test-token-next").statusCode());
    }

    /** Each role against each route: allowed means anything but 401 and 403; short means a 403 naming the role. */
    @Test
    void eachRoleMayDoWhatItsRoleCoversAndNoMore() throws Exception {
        String name = Seeds.uniqueName("roles");
        assertEquals(201, call("POST", "/apis/v1alpha1/database/create", Seeds.minimalBody(name, "stopped", "stopped"),
                "test-token-current").statusCode());
        String at = "/apis/v1alpha1/database/" + name;
        // route → the least role it needs
        List<String[]> routes = List.of(
                new String[] {"GET", "/apis/v1alpha1/database", null, "viewer"},
                new String[] {"GET", at, null, "viewer"},
                new String[] {"GET", at + "/status", null, "viewer"},
                new String[] {"GET", at + "/events", null, "viewer"},
                new String[] {"GET", "/apis/v1alpha1/database/status/changed/0101", null, "viewer"},
                new String[] {"GET", "/apis/v1alpha1/hosts", null, "viewer"},
                new String[] {"PUT", at + "/stopped", "", "operator"},
                new String[] {"PUT", at + "/not-installed", "", "operator"},
                new String[] {"PUT", at + "/restart", "", "operator"},
                new String[] {"PUT", at + "/running", "", "operator"},
                new String[] {"PUT", at, Seeds.minimalBody(name, "stopped", "stopped").replaceAll(",\\s*\"status\": \\{[^}]*}", ""),
                        "admin"},
                new String[] {"POST", "/apis/v1alpha1/database/create", Seeds.minimalBody(name + "-2", "stopped", "stopped"), "admin"},
                new String[] {"DELETE", "/apis/v1alpha1/hosts/127.0.0.2/host-key", null, "admin"},
                new String[] {"DELETE", at + "-2", null, "admin"});
        Map<String, String> tokens = new LinkedHashMap<>();
        tokens.put("viewer", "test-viewer-token-0001");
        tokens.put("operator", "test-operator-token-01");
        tokens.put("admin", "test-token-current");
        List<String> roles = List.copyOf(tokens.keySet());
        for (String[] route : routes) {
            for (String role : roles) {
                HttpResponse<String> answer = call(route[0], route[1], route[2], tokens.get(role));
                boolean allowed = roles.indexOf(role) >= roles.indexOf(route[3]);
                String what = route[0] + " " + route[1] + " as " + role + ": " + answer.body();
                if (allowed) {
                    assertTrue(answer.statusCode() != 401 && answer.statusCode() != 403, what);
                } else {
                    assertEquals(403, answer.statusCode(), what);
                    assertEquals("application/problem+json", answer.headers().firstValue("content-type").orElse(""));
                    assertTrue(answer.body().contains(" " + role + "; ") && answer.body().contains("needs " + route[3]), what);
                }
            }
        }
    }

    /** Every change made through the API names the token that made it in the history; never the token itself. */
    @Test
    void eventsNameTheActorOfEachChange() throws Exception {
        String name = Seeds.uniqueName("actor");
        String at = "/apis/v1alpha1/middleware/" + name;
        assertEquals(201, call("POST", "/apis/v1alpha1/middleware/create", Seeds.minimalBody(name, "stopped", "stopped"),
                "test-token-current").statusCode());
        assertEquals(202, call("PUT", at + "/running", "", "test-operator-token-01").statusCode());
        assertEquals(202, call("DELETE", at + "?uninstall=true", null, "test-token-next").statusCode());
        String events = call("GET", at + "/events", null, "test-viewer-token-0001").body();
        JsonNode history = new ObjectMapper().readTree(events);
        Map<String, String> actorByType = new LinkedHashMap<>();
        history.forEach(e -> actorByType.merge(e.path("type").asText() + ":" + e.path("to").asText(), e.path("actor").asText("-"),
                (a, b) -> a + "," + b));
        assertEquals("token-1", actorByType.get("created:"), events);
        assertEquals("test-operator", actorByType.get("expect:running"), events);
        assertEquals("token-2", actorByType.get("uninstall-requested:"), events);
        assertEquals("token-2", actorByType.get("expect:not-installed"), events);
        for (String secret : List.of("test-token-current", "test-operator-token-01", "test-token-next")) {
            assertTrue(!events.contains(secret), "a token in the history");
        }
    }

    @Test
    void probesStayOpenAndAgentRoutesTakeOnlyAnAgentsSecret() throws Exception {
        assertEquals(200, call("GET", "/q/health/ready", null, null).statusCode());
        assertEquals(200, call("GET", "/q/health/live", null, null).statusCode());
        // Agents report with their host's secret (handed over by the SSH bootstrap); a client's token is not one.
        for (String token : new String[] {null, "test-token-current", "wrong", ""}) {
            for (String path : List.of("/apis/v1alpha1/database/nobody/check", "/apis/v1alpha1/database/nobody/operations/1")) {
                HttpResponse<String> report = call("PUT", path, "{\"code\":\"0\"}", token);
                assertEquals(401, report.statusCode(), path + " with " + token + ": " + report.body());
                assertEquals("application/problem+json", report.headers().firstValue("content-type").orElse(""));
                assertTrue(report.body().contains("agent"), report.body());
            }
        }
    }
}
