package io.paasoperator.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.agent.testing.AgentProcess;
import io.paasoperator.agent.testing.ReportReceiver;
import io.paasoperator.agent.testing.ScriptRepository;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /operations/{id}/log}: real agents on 127.0.0.160 (default bound, 1 MiB) and 127.0.0.161 (bound 64 KiB,
 * one log kept per action), a real script from a real HTTP repository printing ~220 KB to stdout and stderr — far more
 * than the 4 KiB tail an operation carries — and the log read back whole, cut with a notice, while still running,
 * and refused without the secret or for what the agent does not have.
 */
class OperationLogIT {

    private static final String SECRET = "log-secret-" + ThreadLocalRandom.current().nextLong(1_000_000_000L);
    private static final int LINES = 5000;
    private static final int SMALL_BOUND = 64 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path work;

    static ScriptRepository repo;
    static ReportReceiver receiver;
    static AgentProcess agent;
    static AgentProcess bounded;

    @BeforeAll
    static void start() throws Exception {
        repo = ScriptRepository.serve(Files.createDirectories(work.resolve("repo")));
        receiver = new ReportReceiver();
        agent = AgentProcess.start("127.0.0.160", work.resolve("host160"), SECRET, Map.of(), "agent-127.0.0.160.log");
        bounded = AgentProcess.start("127.0.0.161", work.resolve("host161"), SECRET,
                Map.of("AGENT_LOG_MAX_BYTES", String.valueOf(SMALL_BOUND), "AGENT_LOG_KEEP", "1"), "agent-127.0.0.161.log");
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {agent, bounded, receiver, repo}) {
            if (part != null) {
                part.close();
            }
        }
    }

    @Test
    void theWholeLogOfAFinishedActionIsWhatTheScriptPrinted() throws Exception {
        String name = "chatty-whole";
        JsonNode install = agent.runToEnd("install", chatty(name, Map.of("LOG_LINES", String.valueOf(LINES), "INSTALL_EXIT", "3")));
        assertEquals("failed", install.path("state").asText(), install.toString());
        String expected = printed("install", name, LINES);
        assertTrue(expected.length() > 200_000, "the script prints " + expected.length() + " bytes");
        assertTrue(expected.endsWith(install.path("output_tail").asText()), "the tail is the log's end");
        assertTrue(install.path("output_tail").asText().length() < 5000, "the operation carries only a tail");

        HttpResponse<String> log = agent.getText("/operations/" + install.path("id").asText() + "/log");
        assertEquals(200, log.statusCode(), log.body());
        assertEquals("text/plain;charset=utf-8", log.headers().firstValue("Content-Type").orElse("").replace(" ", ""));
        assertEquals(expected, log.body());
    }

    @Test
    void aLogOverTheBoundIsCutToItsLastPartAndSaysSo() throws Exception {
        String name = "chatty-cut";
        JsonNode install = bounded.runToEnd("install", chatty(name, Map.of("LOG_LINES", String.valueOf(LINES))));
        assertEquals("succeeded", install.path("state").asText(), install.toString());
        String expected = printed("install", name, LINES);

        byte[] log = bounded.getText("/operations/" + install.path("id").asText() + "/log").body().getBytes(StandardCharsets.UTF_8);
        String text = new String(log, StandardCharsets.UTF_8);
        assertTrue(log.length <= SMALL_BOUND && log.length > SMALL_BOUND - 200, "the cut log is " + log.length + " bytes");
        String notice = text.substring(0, text.indexOf('\n') + 1);
        String kept = text.substring(notice.length());
        long dropped = expected.length() - kept.length();
        assertEquals("[paas-agent] the first " + dropped + " bytes of this log were dropped: an action's log keeps its last "
                + SMALL_BOUND + " bytes (AGENT_LOG_MAX_BYTES)\n", notice);
        assertTrue(expected.endsWith(kept), "the kept part is the end of what the script printed");
        // On disk too, the file is the cut log: a chatty script cannot fill the disk.
        Path file = bounded.home.resolve("agent/database/" + name + "/logs")
                .resolve("install-" + java.time.Instant.parse(install.path("started_at").asText()).toEpochMilli() + "-"
                        + install.path("id").asText() + ".log");
        assertEquals(text, Files.readString(file));

        // AGENT_LOG_KEEP=1: the next install's log replaces it, and the first one's is said to be gone.
        JsonNode again = bounded.runToEnd("install", chatty(name, Map.of("LOG_LINES", "3")));
        assertEquals(printed("install", name, 3), bounded.getText("/operations/" + again.path("id").asText() + "/log").body());
        HttpResponse<String> pruned = bounded.getText("/operations/" + install.path("id").asText() + "/log");
        assertEquals(404, pruned.statusCode(), pruned.body());
        assertTrue(JSON.readTree(pruned.body()).path("detail").asText().contains("keeps the last 1 logs of each action, AGENT_LOG_KEEP"),
                pruned.body());
    }

    @Test
    void theLogOfARunningActionIsWhatItPrintedSoFar() throws Exception {
        String name = "chatty-running";
        Map<String, Object> app = chatty(name, Map.of("LOG_LINES", "300", "HOLD", "yes"));
        assertEquals("succeeded", agent.runToEnd("install", app).path("state").asText());
        AgentProcess.Answer accepted = agent.post("/start", app);
        assertEquals(202, accepted.status(), accepted.body().toString());
        String id = accepted.body().path("id").asText();
        String path = "/operations/" + id + "/log";
        String expected = printed("start", name, 300);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100)).alias("the start script's 300 lines")
                .until(() -> agent.getText(path).body().equals(expected));
        assertEquals("running", agent.get("/operations/" + id).body().path("state").asText(), "the script waits for its release");

        Files.writeString(agent.home.resolve("apps/database/" + name + "/release"), "");
        assertEquals("succeeded", agent.awaitOperation(id).path("state").asText());
        assertEquals(expected + "released\n", agent.getText(path).body());
    }

    @Test
    void noLogWithoutTheSecretNorForAnOperationTheAgentDoesNotHave() throws Exception {
        JsonNode install = agent.runToEnd("install", chatty("chatty-refused", Map.of("LOG_LINES", "5")));
        String path = "/operations/" + install.path("id").asText() + "/log";
        HttpResponse<String> anonymous = agent.getText(path, null);
        assertEquals(401, anonymous.statusCode());
        assertFalse(anonymous.body().contains("line 0000001"), anonymous.body());
        assertEquals(401, agent.getText(path, "not-" + SECRET).statusCode());

        HttpResponse<String> unknown = agent.getText("/operations/no-such-operation/log");
        assertEquals(404, unknown.statusCode());
        assertEquals("application/problem+json", unknown.headers().firstValue("Content-Type").orElse(""));
        assertEquals("no operation no-such-operation on this agent: it never ran here, or its application was forgotten"
                + " or uninstalled and deleted", JSON.readTree(unknown.body()).path("detail").asText());

        // A forgotten application's records and logs go with it.
        assertEquals(200, agent.send("DELETE", "/apps/database/chatty-refused", null, SECRET).status());
        assertEquals(404, agent.getText(path).statusCode());
        assertFalse(Files.exists(agent.home.resolve("agent/database/chatty-refused")));
    }

    private static Map<String, Object> chatty(String name, Map<String, String> metadata) {
        Map<String, Object> request = new HashMap<>(AgentProcess.request(name, "database", repo.url("chatty"), "chatty",
                metadata, receiver.port()));
        request.put("host_ip", "127.0.0.7"); // what the script prints as HOST_IP
        return request;
    }

    /** Exactly what chatty's {@code action}.sh prints with LOG_LINES={@code lines}, stdout and stderr in order. */
    static String printed(String action, String name, int lines) {
        StringBuilder out = new StringBuilder();
        for (int i = 1; i <= lines; i++) {
            out.append(String.format("%s of %s on 127.0.0.7: line %07d of %07d%s%n", action, name, i, lines,
                    i % 7 == 0 ? " (stderr)" : ""));
        }
        return out.toString();
    }
}
