package io.paasoperator.apiserver.reconcile;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.SshTestHost;
import io.paasoperator.apiserver.testing.CommandLines;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.Sockets;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The whole system on one machine: the packaged apiserver on a real PostgreSQL, two hosts (127.0.0.2, 127.0.0.3) on
 * which it installs its agents over SSH, the example script sets served over HTTP, and real software — a PostgreSQL cluster and a Redis — driven
 * through every state by the REST API alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReconcileEndToEndIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final String PG_PASSWORD = "pg-secret-" + ThreadLocalRandom.current().nextLong(1_000_000_000L);

    static LocalSystem system;
    static ApiserverProcess apiserver;
    static SshTestHost host2;
    static SshTestHost host3;

    @BeforeAll
    static void startTheSystem() throws Exception {
        system = LocalSystem.start("e2e");
        apiserver = system.apiserver;
        host2 = system.host2;
        host3 = system.host3;
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void aDatabaseAndAMiddlewareLiveThroughEveryState() throws Exception {
        int pgPort = host2.freePortForAnApp();
        int redisPort = host3.freePortForAnApp();
        // Every process's command line while PostgreSQL is installed and started: PG_PASSWORD (secret metadata) in none.
        CommandLines watched = CommandLines.watch();
        create("database", "pg-e2e", host2, "postgresql/15/", Map.of("PG_PORT", String.valueOf(pgPort),
                "PG_BIND", "127.0.0.2", "PG_PASSWORD", PG_PASSWORD));
        create("middleware", "redis-e2e", host3, "redis/7", Map.of("REDIS_PORT", String.valueOf(redisPort),
                "REDIS_BIND", "127.0.0.3"));

        put("database", "pg-e2e", "running");
        put("middleware", "redis-e2e", "running");
        awaitRealtime("database", "pg-e2e", "running");
        awaitRealtime("middleware", "redis-e2e", "running");
        assertEquals(1, selectOne(pgPort));
        assertEquals("+PONG", ping(redisPort));
        // PG_PASSWORD is secret metadata: the install script got it (selectOne logs in with it), no answer shows it, and
        // it went to the scripts as environment only.
        watched.close();
        assertEquals("******", status("database", "pg-e2e").at("/app/metadata/PG_PASSWORD").asText());
        assertTrue(watched.seen().stream().anyMatch(line -> line.contains("initdb")), "the watch saw the install run");
        assertEquals(List.of(), watched.seen().stream().filter(line -> line.contains(PG_PASSWORD)).toList(),
                "command lines holding PG_PASSWORD");

        // Restart: a new server process, expect unchanged.
        long pgPid = postmasterPid();
        assertEquals(202, put("database", "pg-e2e", "restart").statusCode());
        await().atMost(CONVERGE).until(() -> postmasterPid() != pgPid && realtime("database", "pg-e2e").equals("running"));
        assertEquals("running", status("database", "pg-e2e").at("/app/status/expect").asText());
        assertEquals(1, selectOne(pgPort));

        // Stopped: the port closes. Running again: it answers again.
        put("middleware", "redis-e2e", "stopped");
        awaitRealtime("middleware", "redis-e2e", "stopped");
        assertFalse(listening("127.0.0.3", redisPort));
        put("middleware", "redis-e2e", "running");
        awaitRealtime("middleware", "redis-e2e", "running");
        assertEquals("+PONG", ping(redisPort));

        // Killed behind the agent's back: reported failed, then healed.
        long redisPid = Long.parseLong(Files.readString(host3.appHome("middleware", "redis-e2e").resolve("redis.pid")).trim());
        ProcessHandle.of(redisPid).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(CONVERGE).until(() -> events("middleware", "redis-e2e").stream()
                .anyMatch(e -> e.path("to").asText().equals("failed") && e.path("cause").asText().equals("health-report")));
        awaitRealtime("middleware", "redis-e2e", "running");
        assertEquals("+PONG", ping(redisPort));

        // The history shows what ran, with exit code and duration.
        JsonNode install = events("database", "pg-e2e").stream()
                .filter(e -> e.path("type").asText().equals("action") && e.path("message").asText().startsWith("install"))
                .findFirst().orElseThrow();
        assertEquals(0, install.get("exit_code").asInt());
        assertTrue(install.get("duration_ms").asLong() > 0);
        assertTrue(install.get("output_tail").asText().contains("PostgreSQL cluster created"), install.toString());

        // Not installed: the directories, and the database's data, are gone.
        put("database", "pg-e2e", "not-installed");
        put("middleware", "redis-e2e", "not-installed");
        awaitRealtime("database", "pg-e2e", "not-installed");
        awaitRealtime("middleware", "redis-e2e", "not-installed");
        assertFalse(Files.exists(host2.appHome("database", "pg-e2e")));
        assertFalse(Files.exists(host3.appHome("middleware", "redis-e2e")));
        assertFalse(listening("127.0.0.2", pgPort));

        String metrics = apiserver.send("GET", "/q/metrics", null).body();
        assertTrue(metrics.contains("paas_actions_total{action=\"install\",outcome=\"succeeded\""), "no action metrics");
        assertTrue(metrics.contains("paas_action_duration_seconds_count{action=\"restart\""), "no duration metrics");

        String today = LocalDate.now().format(DateTimeFormatter.ofPattern("MMdd"));
        assertTrue(list(apiserver.send("GET", "/apis/v1alpha1/database/status/changed/" + today, null)).contains("pg-e2e"));
        assertTrue(list(apiserver.send("GET", "/apis/v1alpha1/middleware/status/changed/" + today, null)).contains("redis-e2e"));
    }

    @Test
    @Order(2)
    void anApiserverKilledMidInstallConvergesAndRunsTheScriptOnce() throws Exception {
        create("database", "counter-restart", host2, "counter", Map.of("INSTALL_SECONDS", "5"));
        put("database", "counter-restart", "running");
        awaitRealtime("database", "counter-restart", "installing");
        await().atMost(Duration.ofSeconds(20)).until(() -> !status("database", "counter-restart").at("/detail/hosts/0/in_flight/operation_id").isMissingNode());
        apiserver.kill();
        apiserver.restart();
        awaitRealtime("database", "counter-restart", "running");
        assertEquals(1, Files.readAllLines(host2.appHome("database", "counter-restart").resolve("install-count")).size(),
                "the install script must run once, whatever the apiserver went through");
    }

    @Test
    @Order(3)
    void aSecondReplicaFinishesWhatADeadOneStarted() throws Exception {
        try (ApiserverProcess replicaB = system.startReplica("e2e-apiserver-b.log")) {
            create("middleware", "counter-replicas", host3, "counter", Map.of("INSTALL_SECONDS", "5"));
            put("middleware", "counter-replicas", "running");
            awaitRealtime("middleware", "counter-replicas", "installing");
            apiserver.kill();
            await().atMost(CONVERGE).until(() -> realtimeVia(replicaB, "middleware", "counter-replicas").equals("running"));
            assertEquals(1, Files.readAllLines(host3.appHome("middleware", "counter-replicas").resolve("install-count")).size());
        } finally {
            apiserver.restart();
        }
    }

    /**
     * Every resource on a host whose agent cannot be installed fails its step with the reason and backs off: not only
     * the one whose step tried the bootstrap. The others' actions were claimed while it ran (the host's bootstrap lease
     * taken); following them tried the bootstrap again every few seconds, failing nothing, until their deadline.
     */
    @Test
    @Order(4)
    void resourcesOnAHostWhoseAgentCannotBeInstalledEachFailTheStepWithAReasonAndBackOff() throws Exception {
        int nobody = freePort("127.0.0.9");
        int agentPort = freePort("127.0.0.9");
        List<String> names = List.of("orphan", "orphan-2", "orphan-3");
        for (String name : names) {
            Map<String, Object> body = Map.of("name", name, "host", List.of(Map.of("ip", "127.0.0.9", "ssh_port", nobody,
                            "agent_port", agentPort, "auth", List.of(Map.of("username", "paas", "password", "x")))),
                    "app", Map.of("repo_url", system.repo.url("counter"), "install", "install.sh", "start", "start.sh",
                            "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh"));
            assertEquals(201, apiserver.send("POST", "/apis/v1alpha1/database/create", JSON.writeValueAsString(body)).statusCode());
        }
        for (String name : names) {
            put("database", name, "running");
        }
        for (String name : names) {
            awaitRealtime("database", name, "failed");
            JsonNode detail = status("database", name).at("/detail/hosts/0");
            assertTrue(detail.get("last_error").asText().contains("cannot reach SSH at 127.0.0.9:" + nobody + ": connection refused"),
                    name + ": " + detail);
            assertTrue(events("database", name).stream().anyMatch(e -> e.path("message").asText().contains("cannot reach SSH")),
                    name);
            assertTrue(detail.get("failure_count").asInt() >= 1, name + ": " + detail);
            assertTrue(detail.has("next_retry_at"), name + ": " + detail);
        }
        for (String name : names) {
            assertEquals(200, apiserver.send("DELETE", "/apis/v1alpha1/database/" + name, null).statusCode());
        }
    }

    /**
     * A refused password is tried once, not on every backoff (real hosts lock accounts), and the host says so; the
     * right one, given in a new spec, installs at once. The agent's bootstrap is in the events, and the host shows
     * installing from the moment the step starts.
     */
    @Test
    @Order(4)
    void aRefusedPasswordIsTriedOnceThenParkedUntilTheSpecGivesTheRightOne() throws Exception {
        SshTestHost host = system.startHost("127.0.0.14");
        String wrong = "not-" + host.password;
        assertEquals(201, apiserver.send("POST", "/apis/v1alpha1/middleware/create",
                JSON.writeValueAsString(system.body("locked", host, "counter", Map.of(), wrong))).statusCode());
        put("middleware", "locked", "running");
        awaitRealtime("middleware", "locked", "failed");
        JsonNode detail = status("middleware", "locked").at("/detail/hosts/0");
        assertTrue(detail.get("parked").asBoolean(), detail.toString());
        assertTrue(detail.get("last_error").asText().contains("refused: wrong password")
                && detail.get("last_error").asText().contains("not tried again until the host's credentials change"), detail.toString());
        assertFalse(detail.has("next_retry_at"), detail.toString());
        Thread.sleep(8_000); // several backoffs' worth (2 s, 4 s, …)
        assertEquals(1, host.connections.get(), "one login attempt");

        HttpResponse<String> fixed = apiserver.send("PUT", "/apis/v1alpha1/middleware/locked",
                JSON.writeValueAsString(system.body("locked", host, "counter", Map.of(), host.password)));
        assertEquals(200, fixed.statusCode(), fixed.body());
        awaitRealtime("middleware", "locked", "running");
        assertFalse(status("middleware", "locked").at("/detail/hosts/0/parked").asBoolean());
        List<String> bootstrap = events("middleware", "locked").stream().filter(e -> e.path("type").asText().equals("bootstrap"))
                .map(e -> e.path("message").asText()).toList();
        assertTrue(bootstrap.size() >= 2 && bootstrap.stream().anyMatch(m -> m.startsWith("installing the agent on 127.0.0.14"))
                && bootstrap.stream().anyMatch(m -> m.matches("agent build \\w+ installed on 127\\.0\\.0\\.14 and answering after \\d+s")),
                bootstrap.toString());
        assertTrue(events("middleware", "locked").stream().noneMatch(e -> e.path("message").asText().contains(host.password)));
        assertEquals(200, apiserver.send("DELETE", "/apis/v1alpha1/middleware/locked", null).statusCode());
    }

    @Test
    @Order(5)
    void quickFlipsConvergeToTheLastExpectation() throws Exception {
        create("middleware", "flipper", host2, "counter", Map.of("INSTALL_SECONDS", "1"));
        put("middleware", "flipper", "running");
        put("middleware", "flipper", "stopped");
        put("middleware", "flipper", "running");
        awaitRealtime("middleware", "flipper", "running");
        assertEquals("running", status("middleware", "flipper").at("/app/status/expect").asText());
        assertEquals(1, Files.readAllLines(host2.appHome("middleware", "flipper").resolve("install-count")).size());
        assertTrue(events("middleware", "flipper").stream().noneMatch(e -> e.path("message").asText().startsWith("uninstall")));
    }

    @Test
    @Order(6)
    void aHostRunsNoMoreActionsAtOnceThanItsBound() throws Exception {
        List<String> names = List.of("bound-1", "bound-2", "bound-3");
        for (String name : names) {
            create("middleware", name, host3, "counter", Map.of("INSTALL_SECONDS", "3"));
        }
        for (String name : names) {
            put("middleware", name, "running");
        }
        int most = 0;
        long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        while (System.nanoTime() < until) {
            int installing = 0;
            for (String name : names) {
                installing += realtime("middleware", name).equals("installing") ? 1 : 0;
            }
            most = Math.max(most, installing);
            Thread.sleep(100);
        }
        assertEquals(2, most, "PAAS_RECONCILE_MAX_PER_HOST=2 should allow two installs at once on a host, never three");
        for (String name : names) {
            awaitRealtime("middleware", name, "running");
        }
    }

    // ---- the REST API, as automation would use it -----------------------------------------------

    private static void create(String kind, String name, SshTestHost host, String repoPath, Map<String, String> metadata)
            throws Exception {
        system.create(kind, name, host, repoPath, metadata);
    }

    private static HttpResponse<String> put(String kind, String name, String target) throws Exception {
        return system.put(kind, name, target);
    }

    private static JsonNode status(String kind, String name) throws Exception {
        return JSON.readTree(apiserver.send("GET", "/apis/v1alpha1/" + kind + "/" + name, null).body());
    }

    private static String realtime(String kind, String name) throws Exception {
        return realtimeVia(apiserver, kind, name);
    }

    private static String realtimeVia(ApiserverProcess replica, String kind, String name) throws Exception {
        return system.realtime(replica, kind, name);
    }

    private static void awaitRealtime(String kind, String name, String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200))
                .alias(kind + "/" + name + " reaching " + state)
                .until(() -> realtime(kind, name).equals(state));
    }

    private static List<JsonNode> events(String kind, String name) throws Exception {
        JsonNode events = JSON.readTree(apiserver.send("GET", "/apis/v1alpha1/" + kind + "/" + name + "/events?limit=1000", null).body());
        return Stream.iterate(0, i -> i < events.size(), i -> i + 1).map(events::get).toList();
    }

    private static List<String> list(HttpResponse<String> answer) throws Exception {
        assertEquals(200, answer.statusCode());
        return JSON.readerForListOf(String.class).readValue(answer.body());
    }

    // ---- the real software, checked directly -------------------------------------------------

    private static int selectOne(int port) throws Exception {
        try (Connection connection = DriverManager.getConnection("jdbc:postgresql://127.0.0.2:" + port + "/postgres",
                "postgres", PG_PASSWORD); ResultSet row = connection.createStatement().executeQuery("select 1")) {
            row.next();
            return row.getInt(1);
        }
    }

    private static long postmasterPid() throws IOException {
        Path pidFile = host2.appHome("database", "pg-e2e").resolve("data/postmaster.pid");
        return Files.exists(pidFile) ? Long.parseLong(Files.readAllLines(pidFile).get(0).trim()) : -1;
    }

    private static String ping(int port) throws IOException {
        return Sockets.redisPing("127.0.0.3", port);
    }

    private static boolean listening(String ip, int port) {
        return Sockets.listening(ip, port);
    }

    private static int freePort(String ip) throws IOException {
        return SshTestHost.freePort(ip);
    }

}
