package io.paasoperator.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.agent.testing.AgentProcess;
import io.paasoperator.agent.testing.ReportReceiver;
import io.paasoperator.agent.testing.ScriptRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent against a busy apiserver, which answers 503 with Retry-After (as past paas.api.max-agent-calls):
 * the agent waits as told before it sends the same result or report again, and delivers it in the end; being told to
 * wait is no failed attempt, so a result refused more often than the agent's attempts still arrives.
 */
class RetryAfterIT {

    private static final String AGENT_IP = "127.0.0.106";
    private static final int RETRY_AFTER_SECONDS = 1;
    /** More refusals than the agent's attempts at a result (8). */
    private static final int RESULT_REFUSALS = 10;
    private static final int REPORT_REFUSALS = 3;

    @TempDir
    Path work;

    @Test
    void aBusyApiserverIsSentTheResultAndTheReportAgainAfterTheWaitItAskedFor() throws Exception {
        try (ScriptRepository repo = ScriptRepository.serve(Files.createDirectories(work.resolve("repo")), "127.0.0.107");
                ReportReceiver receiver = new ReportReceiver("127.0.0.108");
                AgentProcess agent = AgentProcess.start(AGENT_IP, work.resolve("agent"), null,
                        // Reports repeat only once a minute: a refused one must come back after its wait, not then.
                        Map.of("AGENT_INSECURE", "true", "AGENT_REPORT_INTERVAL", "60s"), "agent-retry-after.log")) {
            receiver.refuse("result", RESULT_REFUSALS, RETRY_AFTER_SECONDS);
            receiver.refuse("report", REPORT_REFUSALS, RETRY_AFTER_SECONDS);
            Map<String, Object> app = AgentProcess.request("busy", "database", repo.url("lab"), "lab", Map.of(), receiver.port());
            app.put("operator_ip", receiver.address());
            app.put("host_ip", AGENT_IP);
            app.put("check_interval", 60);

            String installId = agent.runToEnd("install", app).get("id").asText();
            await().atMost(Duration.ofSeconds(40)).until(() -> receiver.resultsFor("busy").stream()
                    .anyMatch(r -> r.id().equals(installId)));
            List<ReportReceiver.Arrival> results = receiver.arrivals("result");
            assertTrue(results.size() > RESULT_REFUSALS, "refused " + RESULT_REFUSALS + " times, then taken: " + results);
            assertWaitedAfterEachRefusal(results.subList(0, RESULT_REFUSALS + 1));

            // Started, the application is healthy: a change, reported at once (and refused, and sent again).
            assertEquals("succeeded", agent.runToEnd("start", app).get("state").asText());
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.reportsFor("busy").stream()
                    .anyMatch(r -> r.code().equals("0") && r.hostReport() > 0));
            List<ReportReceiver.Arrival> reports = receiver.arrivals("report");
            assertTrue(reports.size() > REPORT_REFUSALS, "refused " + REPORT_REFUSALS + " times, then taken: " + reports);
            assertWaitedAfterEachRefusal(reports.subList(0, REPORT_REFUSALS + 1));
            assertFalse(Files.readString(agent.log()).contains("not delivered"), "a delivery given up; see " + agent.log());
        }
    }

    /** Each call after a refusal came at least Retry-After later; the last one was taken. */
    private static void assertWaitedAfterEachRefusal(List<ReportReceiver.Arrival> calls) {
        for (int i = 1; i < calls.size(); i++) {
            assertTrue(calls.get(i - 1).refused(), "call " + (i - 1) + " was refused: " + calls);
            long gap = TimeUnit.NANOSECONDS.toMillis(calls.get(i).atNanos() - calls.get(i - 1).atNanos());
            assertTrue(gap >= RETRY_AFTER_SECONDS * 1000L, "sent again " + gap + " ms after a refusal asking "
                    + RETRY_AFTER_SECONDS + " s: " + calls);
        }
        assertFalse(calls.get(calls.size() - 1).refused(), "the last call was taken: " + calls);
    }
}
