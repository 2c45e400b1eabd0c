package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.List;
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
