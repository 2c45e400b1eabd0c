package io.paasoperator.apiserver.reconcile;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.LocalSystem;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How long from a PUT to the agent receiving the call it causes: {@code ./mvnw -B verify -Pbench -pl apiserver -am}.
 * 100 PUTs alternating stopped/running on one resource, each after the previous converged; the agent's own
 * {@code started_at} (same machine, same clock) against the moment the PUT was sent. Prints p50, p90, p99 and max.
 */
class PutToAgentLatencyBench {

    private static final int PUTS = 100;
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void putToAgentLatency() throws Exception {
        try (LocalSystem system = LocalSystem.start("bench")) {
            system.create("middleware", "latency", system.host2, "counter", Map.of("INSTALL_SECONDS", "0"));
            system.put("middleware", "latency", "running");
            awaitRealtime(system, "running");

            HttpClient http = HttpClient.newHttpClient();
            URI agentView = URI.create("http://" + system.host2.ip + ":" + system.host2.agentPort + "/apps/middleware/latency");
            String agentSecret = system.host2.agentSecret();
            List<Long> millis = new ArrayList<>();
            for (int i = 0; i < PUTS; i++) {
                String target = i % 2 == 0 ? "stopped" : "running";
                Instant sent = Instant.now();
                system.put("middleware", "latency", target);
                awaitRealtime(system, target);
                String view = http.send(HttpRequest.newBuilder(agentView).header("Authorization", "Bearer " + agentSecret).build(),
                        HttpResponse.BodyHandlers.ofString()).body();
                Instant received = Instant.parse(JSON.readTree(view).at("/last_operation/started_at").asText());
                long took = Duration.between(sent, received).toMillis();
                millis.add(took);
                if (took > 200) {
                    System.out.printf("slow: PUT %d (%s) reached the agent after %d ms%n", i, target, took);
                }
            }
            Collections.sort(millis);
            System.out.printf("%nPUT -> agent receives the call, %d PUTs: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms, min %d ms%n%n",
                    PUTS, at(millis, 0.50), at(millis, 0.90), at(millis, 0.99), millis.get(millis.size() - 1), millis.get(0));
        }
    }

    private static void awaitRealtime(LocalSystem system, String state) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(20))
                .until(() -> system.realtime(system.apiserver, "middleware", "latency").equals(state));
    }

    private static long at(List<Long> sorted, double quantile) {
        return sorted.get((int) Math.min(sorted.size() - 1, Math.ceil(quantile * sorted.size()) - 1));
    }
}
