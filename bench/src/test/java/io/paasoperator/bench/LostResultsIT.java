package io.paasoperator.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.itsupport.PackagedApiserver;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/**
 * Results that are never pushed (the agents' pushes all lost): the packaged apiserver asks the agents for them, first
 * PAAS_RECONCILE_RESULT_POLL after sending, so the resources reach running within seconds, not at the actions'
 * deadlines (an install's is 30 minutes). The agents are the fleet simulator's, with result pushes off.
 */
class LostResultsIT {

    private static final String APISERVER = "127.0.0.101";
    private static final int ADDRESS_BLOCK = 100;
    private static final int HOSTS = 2;
    private static final Duration RESULT_POLL = Duration.ofSeconds(2);
    private static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);

    @Test
    void resourcesReachRunningByAskingTheAgentsForResultsNeverPushed() throws Exception {
        try (PackagedApiserver apiserver = PackagedApiserver.start("lost-results-it-apiserver.log", Map.of(
                "QUARKUS_HTTP_HOST", APISERVER, "OPERATOR_IP", APISERVER,
                "PAAS_RECONCILE_RESULT_POLL", RESULT_POLL.toSeconds() + "s"));
                FleetSimulator fleet = FleetSimulator.start(FleetSimulator.Settings.of(HOSTS, ADDRESS_BLOCK)
                        .withActionDuration(Duration.ofMillis(200)).withReportInterval(REPORT_INTERVAL).withResultsPushed(false))) {
            FleetApi api = new FleetApi(apiserver.baseUrl(), apiserver.token);
            for (String ip : fleet.ips()) {
                HttpResponse<String> registered = api.register(ip, fleet.settings().agentPort(), fleet.secret(ip));
                assertEquals(200, registered.statusCode(), registered.body());
            }
            for (int i = 0; i < HOSTS; i++) {
                HttpResponse<String> created = api.createRunning(kind(i), name(i), fleet.ips().get(i), fleet.settings().agentPort(),
                        REPORT_INTERVAL);
                assertEquals(201, created.statusCode(), created.body());
            }

            // Install, then start: two results learnt by asking, each within a poll or two of its action (without the
            // asks, the install would be failed only at its deadline, 30 minutes on).
            for (int i = 0; i < HOSTS; i++) {
                int resource = i;
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).alias(name(i) + " running")
                        .until(() -> realtime(api, resource).equals("running"));
            }
            assertEquals(0, fleet.stats().resultsDelivered.sum(), "no result was pushed");
            assertTrue(fleet.stats().actions.sum() >= 2L * HOSTS, "installs and starts ran: " + fleet.stats().actions.sum());
            for (int i = 0; i < HOSTS; i++) {
                List<JsonNode> results = StreamSupport.stream(api.get("/" + kind(i).wire() + "/" + name(i) + "/events?limit=100")
                        .spliterator(), false).filter(e -> e.path("type").asText().equals("action")).toList();
                assertTrue(results.stream().anyMatch(e -> e.toString().contains("install")), "the install's result: " + results);
            }
            assertFalse(Files.readString(apiserver.log).contains("request failed, incident"), "a 500; see " + apiserver.log);
        }
    }

    private static String name(int i) {
        return "lost-results-" + i;
    }

    private static ResourceKind kind(int i) {
        return FleetBenchmark.kindOf(i);
    }

    private static String realtime(FleetApi api, int i) {
        return api.get("/" + kind(i).wire() + "/" + name(i) + "/status").at("/status/realtime").asText();
    }
}
