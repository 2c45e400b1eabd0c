package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.PostgresResource;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The apiserver with a small allowance of failed authentications, as production has one (20, then 1 a second). */
@QuarkusTest
@TestProfile(AuthThrottleTest.SmallAllowance.class)
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class AuthThrottleTest {

    static final int BURST = 5;

    public static class SmallAllowance implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("paas.api.auth-failure-burst", String.valueOf(BURST), "paas.api.auth-failure-refill", "PT30S");
        }
    }

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private static HttpResponse<String> call(String method, String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .method(method, method.equals("PUT") ? HttpRequest.BodyPublishers.ofString("{\"code\":\"0\"}")
                        : HttpRequest.BodyPublishers.noBody());
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anAddressThatKeepsFailingIsRefusedWhateverItPresentsThenLetBackIn() throws Exception {
        assertEquals(200, call("GET", "/apis/v1alpha1/hosts", "test-token-current").statusCode(), "a good token, before");
        // Wrong API tokens and wrong agent secrets count alike.
        for (int attempt = 1; attempt <= BURST; attempt++) {
            String path = attempt % 2 == 0 ? "/apis/v1alpha1/database/x/check" : "/apis/v1alpha1/hosts";
            String method = attempt % 2 == 0 ? "PUT" : "GET";
            assertEquals(401, call(method, path, "guess-" + attempt).statusCode(), "attempt " + attempt);
        }
        HttpResponse<String> refused = call("GET", "/apis/v1alpha1/hosts", "test-token-current");
        assertEquals(429, refused.statusCode(), "the right token, once the allowance is spent: " + refused.body());
        assertEquals("application/problem+json", refused.headers().firstValue("content-type").orElse(""));
        long wait = Long.parseLong(refused.headers().firstValue("retry-after").orElseThrow());
        assertTrue(wait >= 1 && wait <= 30, "Retry-After " + wait);
        assertEquals(429, call("PUT", "/apis/v1alpha1/database/x/check", "guess-more").statusCode(), "agents' routes too");
        // Probes are not API routes: never throttled.
        assertEquals(200, call("GET", "/q/health/live", null).statusCode());
    }
}
