package io.paasoperator.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.PostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's files are served to anyone (the page asks for the token itself), with a Content-Security-Policy that
 * allows this server only, while the API still refuses a call without a token. Raw HTTP, no token sent.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class DashboardServingTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> get(String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void thePageAndEveryFileItLoadsAreServedWithoutATokenUnderAPolicyOfThisServerOnly() throws Exception {
        HttpResponse<String> page = get("/");
        assertEquals(200, page.statusCode(), page.body());
        assertTrue(page.headers().firstValue("Content-Type").orElse("").startsWith("text/html"), page.headers().toString());
        assertSecurityHeaders(page);
        assertFalse(page.body().contains("<script>") || page.body().contains(" style="), "inline script or style in the page");

        List<String> assets = Pattern.compile("(?:src|href)=\"(dashboard/[^\"]+)\"").matcher(page.body()).results()
                .map(m -> m.group(1)).toList();
        assertEquals(List.of("dashboard/dashboard.css", "dashboard/app.js"), assets);
        for (String asset : List.of("dashboard/dashboard.css", "dashboard/app.js", "dashboard/api.js", "dashboard/live.js")) {
            HttpResponse<String> file = get("/" + asset);
            assertEquals(200, file.statusCode(), asset);
            assertSecurityHeaders(file);
            assertTrue(file.headers().firstValue("Content-Type").orElse("").startsWith(asset.endsWith(".css") ? "text/css"
                    : "text/javascript"), asset + ": " + file.headers().firstValue("Content-Type"));
            // Every module the scripts import is one of this server's own files, by a relative path.
            Matcher imports = Pattern.compile("from '([^']+)'").matcher(file.body());
            while (imports.find()) {
                assertTrue(imports.group(1).startsWith("./"), asset + " imports " + imports.group(1));
                assertEquals(200, get("/dashboard/" + imports.group(1).substring(2)).statusCode(), imports.group(1));
            }
        }
        assertEquals(404, get("/dashboard/no-such-file.js").statusCode());
        // The policy is the dashboard's only: Swagger UI (inline scripts of its own) and the API are left as they were.
        for (String other : List.of("/q/swagger-ui/", "/q/openapi", "/apis/v1alpha1/middleware")) {
            assertEquals(List.of(), get(other).headers().allValues("Content-Security-Policy"), other);
        }
    }

    @Test
    void theApiStillRefusesACallWithoutAToken() throws Exception {
        for (String path : List.of("/apis/v1alpha1/middleware", "/apis/v1alpha1/hosts", "/apis/v1alpha1/database?watch=true")) {
            HttpResponse<String> answer = get(path);
            assertEquals(401, answer.statusCode(), path + ": " + answer.body());
            assertEquals("application/problem+json", answer.headers().firstValue("Content-Type").orElse(""), path);
        }
    }

    private static void assertSecurityHeaders(HttpResponse<String> answer) {
        String policy = answer.headers().firstValue("Content-Security-Policy").orElse("");
        assertTrue(policy.startsWith("default-src 'none'; script-src 'self'; style-src 'self';"), policy);
        assertTrue(policy.contains("connect-src 'self'") && policy.contains("frame-ancestors 'none'"), policy);
        assertFalse(policy.contains("unsafe") || policy.contains("http"), policy);
        assertEquals(List.of("nosniff"), answer.headers().allValues("X-Content-Type-Options"));
        assertEquals(List.of("no-referrer"), answer.headers().allValues("Referrer-Policy"));
    }
}
