package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * 10,000 generated bad requests — truncated and malformed JSON, wrong types, oversized fields, path traversal in script
 * names, control characters, unknown fields, huge numbers, odd paths and methods — against the running apiserver:
 * none may get a 5xx or hang, and what was stored before must be exactly what is stored after. Seeded, so a failure
 * replays.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class HostileInputFuzzTest {

    private static final int REQUESTS = 10_000;
    private static final long SEED = 20261126L;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String[] HOSTILE = {"../../etc/passwd", "/bin/sh", "a;reboot", "$(id)", "`id`", "\u0000", "\u001b[2J",
            "x".repeat(300_000), "é\uD83D\uDCA3", "%00", "..", "\\\\", "{{7*7}}", "' or 1=1 --", "\r\nX-Injected: 1"};
    private static final String[] NUMBERS = {"1e999", "-1", "99999999999999999999999", "0", "3.5", "NaN", "-0"};
    private static final String[] KINDS = {"database", "middleware", "queue", "", "..", "%2e%2e"};

    private final Random random = new Random(SEED);

    @Test
    void tenThousandBadRequestsGetNoServerErrorAndChangeNothing() throws Exception {
        ApiClientToken.sendWithEveryRequest();
        String keeper = Seeds.uniqueName("keeper");
        // In both kinds: any well-formed create among the requests then meets a 409, never makes something new.
        RestAssured.given().body(Seeds.seedBody("database", keeper)).post("/apis/v1alpha1/database/create").then().statusCode(201);
        RestAssured.given().body(Seeds.seedBody("middleware", keeper)).post("/apis/v1alpha1/middleware/create").then().statusCode(201);
        String before = snapshot();

        Map<Integer, Integer> statuses = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int batch = 0; batch < REQUESTS / 50; batch++) {
            List<CompletableFuture<Void>> calls = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                HttpRequest request = hostileRequest(keeper);
                calls.add(HTTP.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                        .orTimeout(20, TimeUnit.SECONDS)
                        .handle((response, error) -> {
                            synchronized (statuses) {
                                if (error != null) {
                                    failures.add(request.method() + " " + request.uri() + ": " + error);
                                } else {
                                    statuses.merge(response.statusCode(), 1, Integer::sum);
                                    if (response.statusCode() >= 500) {
                                        failures.add(request.method() + " " + request.uri() + " -> " + response.statusCode());
                                    }
                                }
                            }
                            return null;
                        }));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
        }
        System.out.println("fuzz: " + REQUESTS + " requests, statuses " + statuses);
        assertTrue(failures.isEmpty(), failures.size() + " failures, first: " + failures.subList(0, Math.min(5, failures.size())));
        assertEquals(REQUESTS, statuses.values().stream().mapToInt(Integer::intValue).sum());
        assertEquals(before, snapshot(), "bad requests changed what was stored");
    }

    /** Everything stored for both kinds, as the API shows it. */
    private String snapshot() {
        StringBuilder all = new StringBuilder();
        for (String kind : List.of("database", "middleware")) {
            all.append(RestAssured.given().queryParam("limit", 1000).get("/apis/v1alpha1/" + kind).then().statusCode(200)
                    .extract().asString());
        }
        return all.toString();
    }

    private HttpRequest hostileRequest(String keeper) {
        String kind = pick(KINDS);
        String[] methods = {"POST", "PUT", "GET", "DELETE", "PATCH"};
        String path = switch (random.nextInt(9)) {
            case 0 -> "/apis/v1alpha1/" + kind + "/create";
            case 1 -> "/apis/v1alpha1/database/" + keeper + "/check";
            case 2 -> "/apis/v1alpha1/database/" + keeper + "/operations/" + random.nextInt(100);
            case 3 -> "/apis/v1alpha1/database/status/changed/" + pick(new String[] {"0230", "9999", "2026-13-40", "x"});
            case 4 -> "/apis/v1alpha1/" + kind + "/" + keeper + "/" + pick(new String[] {"restart", "sleep", "status"});
            case 5 -> "/apis/v1alpha1/" + kind + "?limit=" + pick(NUMBERS) + "&expect=" + pick(new String[] {"restart", "x", ""});
            case 6 -> "/apis/v1alpha1/" + kind + "/" + encode(pick(HOSTILE).substring(0, 1)) + "x/events?limit=" + pick(NUMBERS);
            case 7 -> "/apis/v1alpha1/hosts/" + encode(pick(HOSTILE).substring(0, 1)) + "x" + pick(new String[] {"", "/host-key"});
            default -> "/apis/v1alpha1/database/create";
        };
        // Writes that would succeed on the keeper are not hostile: they only reach it with hostile bodies.
        // The routes that take a body get their own method, mostly: hostile bodies should reach the readers.
        String method = path.endsWith("/create") ? "POST"
                : path.contains("/check") || path.contains("/operations/") ? "PUT" : pick(methods);
        if (random.nextInt(10) == 0) {
            method = pick(methods);
        }
        if (method.equals("DELETE") || (method.equals("PUT") && path.endsWith("/restart"))) {
            method = "GET";
        }
        // Agents' routes take the keeper's host's agent secret, so that hostile bodies reach their readers; now and
        // then a client's token or a forged one instead.
        boolean agentRoute = path.contains("/check") || path.contains("/operations/");
        String authorization = !agentRoute ? "Bearer " + ApiClientToken.TOKEN : switch (random.nextInt(10)) {
            case 0 -> "Bearer " + ApiClientToken.TOKEN;
            case 1 -> "Bearer forged-" + random.nextInt();
            default -> AgentIdentity.bearer(Seeds.SEED_HOST);
        };
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://localhost:" + RestAssured.port + path))
                .timeout(Duration.ofSeconds(20))
                .header("Authorization", authorization)
                .header("Content-Type", pick(new String[] {"application/json", "text/plain", "application/xml", "application/json"}));
        return builder.method(method, HttpRequest.BodyPublishers.ofString(hostileBody(keeper))).build();
    }

    private String hostileBody(String keeper) {
        String valid = Seeds.minimalBody(keeper, "running", "running"); // the keeper's name: a create would conflict
        return switch (random.nextInt(10)) {
            case 0 -> valid.substring(0, random.nextInt(valid.length())); // truncated
            case 1 -> valid.replace("\"install.sh\"", quote(pick(HOSTILE))); // script name traversal and shell words
            case 2 -> valid.replace("\"127.0.0.2\"", pick(NUMBERS)); // wrong type
            case 3 -> valid.replace("\"name\": \"" + keeper + "\",", "\"name\": " + quote(pick(HOSTILE)) + ",");
            case 4 -> valid.replace("\"app\": {", "\"app\": {\"" + pick(new String[] {"colour", "//x", "metadata"}) + "\": " + pick(NUMBERS) + ", ");
            case 5 -> "{\"code\": " + pick(new String[] {"[0]", "{}", "null", "true", "1e999", "\"0"}) + ", \"msg\": " + quote(pick(HOSTILE)) + "}";
            case 6 -> "{\"id\": \"" + random.nextInt() + "\", \"state\": \"exploded\", \"action\": " + quote(pick(HOSTILE)) + "}";
            case 7 -> "[".repeat(random.nextInt(5000));
            case 8 -> mutateBytes(valid);
            default -> valid.replace("\"ip\": \"127.0.0.2\"", "\"ip\": \"127.0.0.2\", \"ssh_port\": " + pick(NUMBERS));
        };
    }

    /** Control characters JSON allows nowhere (not even in strings, unescaped): the body can never turn valid. */
    private String mutateBytes(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < 5; i++) {
            int c = random.nextInt(0x1B);
            chars[random.nextInt(chars.length)] = (char) (c < 9 ? c : c + 5); // 0x00-0x08, 0x0E-0x1F
        }
        return new String(chars);
    }

    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String encode(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8);
    }

    private String pick(String[] options) {
        return options[random.nextInt(options.length)];
    }
}
