package io.paasoperator.apiserver.reconcile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.itsupport.AgentProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Health reports at scale, end to end: a real agent, registered, reporting its host's verdicts in one request per
 * interval to the packaged apiserver on a real PostgreSQL. Reports that change nothing write no resource; a change is
 * written at once; an agent that falls silent leaves its applications unknown, and they come back when it speaks again.
 */
class HostReportsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KIND = "middleware";
    private static final String IP = "127.0.0.64";
    private static final Duration CONVERGE = Duration.ofSeconds(90);

    static LocalSystem system;
    static AgentProcess agent;

    @BeforeAll
    static void start() throws Exception {
        // A short silence, so that a silent agent shows within the test: applications' silence is at least 3 s (three
        // check intervals of 1 s); the host's heartbeat is watched for 4 s.
        system = LocalSystem.startWithoutSshHosts("host-reports", Map.of("PAAS_RECONCILE_REPORT_SILENCE", "4s"));
        String secret = "host-reports-secret-" + Math.abs(new SecureRandom().nextLong());
        agent = AgentProcess.start(IP, system.work.resolve("agent-" + IP), secret, "http://127.0.0.1:" + system.service.port(),
                Path.of("target", "it-logs", "host-reports-agent.log"));
        HttpResponse<String> registered = system.apiserver.send("PUT", "/apis/v1alpha1/hosts/" + IP,
                JSON.writeValueAsString(Map.of("agent_port", agent.port, "secret", secret)));
        assertEquals(200, registered.statusCode(), registered.body());
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) {
            signal("CONT");
            agent.close();
        }
        if (system != null) {
            system.close();
        }
    }

    @Test
    void reportsThatChangeNothingWriteNothingAndASilentAgentsApplicationsTurnUnknownThenBack() throws Exception {
        List<String> names = List.of("reported-a", "reported-b");
        for (String name : names) {
            Map<String, Object> body = Map.of("name", name, "app", system.app("counter", Map.of()),
                    "host", List.of(Map.of("ip", IP, "agent_port", agent.port)));
            HttpResponse<String> created = system.apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create",
                    JSON.writeValueAsString(body));
            assertEquals(201, created.statusCode(), created.body());
            system.put(KIND, name, "running");
        }
        names.forEach(HostReportsIT::awaitRunning);
        await().atMost(Duration.ofSeconds(20)).until(() -> reportedAt() != null);

        // Steady: one report a second from the agent for both, and neither resource is written.
        Map<String, Long> versions = versions(names);
        Instant heard = reportedAt();
        await().atMost(Duration.ofSeconds(20)).until(() -> reportedAt().isAfter(heard.plusSeconds(4)));
        assertEquals(versions, versions(names), "reports that change nothing wrote the resources");
        // Yet the resource shows it was heard: its host as last heard of, by the heartbeat.
        Instant shown = Instant.parse(system.get(system.apiserver, "/apis/v1alpha1/" + KIND + "/reported-a")
                .at("/detail/hosts/0/last_report_at").asText());
        assertTrue(shown.isAfter(heard), "last_report_at " + shown + " is not after " + heard);
        assertEquals("running", system.realtime(system.apiserver, KIND, "reported-a"));

        // A change is written at once, and only where it happened.
        Files.delete(agent.appHome(KIND, "reported-a").resolve("running"));
        await().atMost(CONVERGE).until(() -> !system.realtime(system.apiserver, KIND, "reported-a").equals("running"));
        assertEquals(versions.get("reported-b"), versions(names).get("reported-b"), "the unchanged one was written");

        // The agent frozen: no reports; its applications turn unknown (nobody is asked: the agent cannot answer).
        signal("STOP");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(() -> system.realtime(system.apiserver, KIND, "reported-b").equals("unknown"));
        signal("CONT");
        awaitRunning("reported-b");
    }

    private static void awaitRunning(String name) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(name + " running")
                .until(() -> system.realtime(system.apiserver, KIND, name).equals("running"));
    }

    private static void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(agent.pid())).inheritIO().start();
        assertEquals(0, kill.waitFor());
    }

    private static Connection database() throws Exception {
        Map<String, String> settings = system.database.datasourceSettings();
        return DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"), settings.get("quarkus.datasource.username"),
                settings.get("quarkus.datasource.password"));
    }

    private static Instant reportedAt() throws Exception {
        try (Connection connection = database();
                PreparedStatement query = connection.prepareStatement("select reported_at from agent_host where ip = ?")) {
            query.setString(1, IP);
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next(), "no row for the registered host");
                Timestamp at = row.getTimestamp(1);
                return at == null ? null : at.toInstant();
            }
        }
    }

    private static Map<String, Long> versions(List<String> names) throws Exception {
        Map<String, Long> versions = new HashMap<>();
        try (Connection connection = database();
                PreparedStatement query = connection.prepareStatement("select version from resource where kind = ? and name = ?")) {
            for (String name : names) {
                query.setString(1, KIND);
                query.setString(2, name);
                try (ResultSet row = query.executeQuery()) {
                    assertTrue(row.next(), name);
                    versions.put(name, row.getLong(1));
                }
            }
        }
        assertNotNull(versions);
        return versions;
    }
}
