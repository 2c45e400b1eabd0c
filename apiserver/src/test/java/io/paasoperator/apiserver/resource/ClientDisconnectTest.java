package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Clients that go away mid-request (a load generator killed, a timeout) cost the server nothing but the work they asked
 * for: no ERROR in the log, no connection of the pool left behind, and the next requests are answered as usual.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ClientDisconnectTest {

    private static final String API = "/apis/v1alpha1/";
    private static final Path LOG = Path.of("target", "quarkus-test.log");
    private static final int ROUNDS = 6;
    private static final long[] RESET_AFTER_MS = {0, 5, 10, 20, 40};
    private static final Pattern ACTIVE_REQUESTS = Pattern.compile("(?m)^http_server_active_requests(?:\\{[^}]*\\})? ([0-9.]+)$");

    @TestHTTPResource("/")
    URL root;

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    @Test
    void requestsWhoseClientResetsTheConnectionLogNoErrorAndLeaveTheServerServing() throws Exception {
        List<String> seeds = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = Seeds.uniqueName("disconnect-seed");
            given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
            seeds.add(name);
        }
        long logBefore = Files.size(LOG);
        double poolBefore = poolActive(); // connections held for good (a LISTEN), if any
        String today = LocalDate.now().format(DateTimeFormatter.BASIC_ISO_DATE);
        List<String> abandonedCreates = new ArrayList<>();
        double mostInFlightAtAReset = 0;
        for (int round = 0; round < ROUNDS; round++) {
            List<Socket> open = new ArrayList<>();
            for (String seed : seeds) {
                String name = Seeds.uniqueName("disconnect");
                abandonedCreates.add(name);
                open.add(send("POST", API + "middleware/create", Seeds.minimalBody(name, "stopped", "stopped")));
                open.add(send("PUT", API + "middleware/" + seed + (round % 2 == 0 ? "/running" : "/stopped"), ""));
                open.add(send("GET", API + "middleware/" + seed + "/status", null));
                open.add(send("GET", API + "middleware/" + seed, null));
                open.add(send("GET", API + "middleware?limit=50", null));
                open.add(send("GET", API + "middleware/status/changed/" + today, null));
                open.add(send("DELETE", API + "middleware/" + Seeds.uniqueName("disconnect-absent"), null));
            }
            // The first round resets at once (before most requests are read); each later one a little later, so that
            // requests are caught at every stage, however fast this machine is; the last once its creates are stored
            // (their answers left unread).
            if (round == ROUNDS - 1) {
                List<String> last = abandonedCreates.subList(abandonedCreates.size() - seeds.size(), abandonedCreates.size());
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> last.stream()
                        .allMatch(name -> given().get(API + "middleware/" + name + "/status").statusCode() == 200));
            } else {
                Thread.sleep(RESET_AFTER_MS[round]);
            }
            mostInFlightAtAReset = Math.max(mostInFlightAtAReset, activeRequests() - 1); // not the metrics request itself
            for (Socket socket : open) {
                socket.setSoLinger(true, 0); // a reset, as when the client process dies, not an orderly close
                socket.close();
            }
        }
        // Every abandoned request has ended, one way or the other, before the log is read.
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).alias("abandoned requests still running")
                .until(() -> activeRequests() <= 1); // the metrics request itself
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).alias("pool connections still held")
                .until(() -> poolActive() <= poolBefore);

        // Resets came while requests were being served, not only before or after.
        assertTrue(mostInFlightAtAReset > 0, "no request was in flight when its client reset");
        // The last round's creates were stored before their clients went, and stay.
        for (String name : abandonedCreates.subList(abandonedCreates.size() - seeds.size(), abandonedCreates.size())) {
            given().get(API + "middleware/" + name + "/status").then().statusCode(200);
        }
        for (String seed : seeds) {
            given().get(API + "middleware/" + seed + "/status").then().statusCode(200);
        }
        given().body(Seeds.minimalBody(Seeds.uniqueName("disconnect-after"), "stopped", "stopped"))
                .post(API + "middleware/create").then().statusCode(201);

        String log;
        try (var in = Files.newInputStream(LOG)) {
            in.skipNBytes(logBefore);
            log = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        String errors = log.lines().filter(line -> line.contains(" ERROR ")).collect(Collectors.joining("\n"));
        assertEquals("", errors, "ERROR logged while clients disconnected");
    }

    /** Sends one request on a connection of its own and leaves it unread. */
    private Socket send(String method, String path, String body) throws Exception {
        Socket socket = new Socket(root.getHost(), root.getPort());
        byte[] content = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        String head = method + " " + path + " HTTP/1.1\r\nHost: " + root.getHost() + "\r\nAuthorization: Bearer "
                + ApiClientToken.TOKEN + "\r\n" + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: "
                + content.length + "\r\n") + "\r\n";
        OutputStream out = socket.getOutputStream();
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(content);
        out.flush();
        return socket;
    }

    private static double activeRequests() {
        return metric(ACTIVE_REQUESTS);
    }

    private static double poolActive() {
        return metric(Pattern.compile("(?m)^sql_pool_active\\{[^}]*\\} ([0-9.]+)$"));
    }

    private static double metric(Pattern pattern) {
        Matcher matcher = pattern.matcher(given().get("/q/metrics").asString());
        double sum = 0;
        boolean found = false;
        while (matcher.find()) {
            sum += Double.parseDouble(matcher.group(1));
            found = true;
        }
        assertTrue(found, "no metric " + pattern);
        return sum;
    }
}
