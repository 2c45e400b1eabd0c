package io.paasoperator.apiserver.rollout;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.Sockets;
import io.paasoperator.apiserver.testing.SshTestHost;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Resources that span hosts and change over time (SPEC.md §4, several hosts and roll-out), on real software: a Redis
 * pool on three hosts (127.0.0.2-4, each an SSH server the apiserver installs its agent through), updated, rolled out
 * host by host, grown, shrunk and uninstalled through the REST API alone.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostsAndRolloutIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONVERGE = Duration.ofSeconds(120);
    private static final String POOL = "/apis/v1alpha1/middleware/redis-pool";

    static LocalSystem system;
    static ApiserverProcess apiserver;
    static SshTestHost host4;
    static SshTestHost host5;
    static List<SshTestHost> pool;
    static int redisPort;

    @BeforeAll
    static void startTheSystem() throws Exception {
        system = LocalSystem.start("rollout");
        apiserver = system.apiserver;
        host4 = system.startHost("127.0.0.4");
        host5 = system.startHost("127.0.0.5");
        pool = List.of(system.host2, system.host3, host4);
        redisPort = portForRedis(List.of(system.host2, system.host3, host4, host5));
    }

    /**
     * A port free on every host and no host's agent port: each agent's port is only a number until the agent starts, and
     * the number once picked for Redis on one host was host 5's agent port (its Redis then could not bind).
     */
    private static int portForRedis(List<SshTestHost> hosts) throws Exception {
        for (int attempt = 0; attempt < 20; attempt++) {
            int port = SshTestHost.freePort(hosts.get(0).ip);
            if (hosts.stream().noneMatch(h -> h.agentPort == port) && hosts.stream().allMatch(h -> freeOn(h.ip, port))) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on every host");
    }

    private static boolean freeOn(String ip, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getByName(ip))) {
            return true;
        } catch (IOException taken) {
            return false;
        }
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void aPoolOnThreeHostsRunsOnEachAndHealsOneHost() throws Exception {
        HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/middleware/create", body(pool, "redis/7", Map.of(), null));
        assertEquals(201, created.statusCode(), created.body());
        put("running");
        awaitRealtime("running");
        for (SshTestHost host : pool) {
            assertEquals("+PONG", ping(host.ip), host.ip);
        }
        JsonNode hosts = resource().at("/detail/hosts");
        assertEquals(3, hosts.size());
        for (int i = 0; i < 3; i++) {
            assertEquals(pool.get(i).ip, hosts.get(i).get("ip").asText());
            assertEquals("running", hosts.get(i).get("realtime").asText());
            assertEquals(1, hosts.get(i).get("generation").asInt());
        }
        // Scripts learnt where they run: each instance is bound to its own host's address (HOST_IP).
        assertTrue(Files.readString(host4.appHome("middleware", "redis-pool").resolve("redis.conf")).contains("bind 127.0.0.4"));

        // One host's server killed behind the agent's back: the resource shows it, and that host alone heals.
        long before2 = redisPid(system.host2);
        long killed = redisPid(system.host3);
        ProcessHandle.of(killed).ifPresent(ProcessHandle::destroyForcibly);
        await().atMost(CONVERGE).until(() -> events().stream().anyMatch(e -> e.path("host").asText().equals("127.0.0.3")
                && e.path("to").asText().equals("failed")));
        assertTrue(events().stream().anyMatch(e -> e.path("host").isMissingNode() && e.path("to").asText().equals("failed")),
                "the resource's summary went failed with its host");
        awaitRealtime("running");
        assertNotEquals(killed, redisPid(system.host3));
        assertEquals(before2, redisPid(system.host2), "the healthy hosts were left alone");
    }

    @Test
    @Order(2)
    void aMetadataChangeRollsOutOneHostAtATime() throws Exception {
        Map<Long, Long> pidsBefore = new HashMap<>();
        for (SshTestHost host : pool) {
            pidsBefore.put((long) pool.indexOf(host), redisPid(host));
        }
        String etag = apiserver.send("GET", POOL, null).headers().firstValue("ETag").orElseThrow();
        HttpResponse<String> updated = apiserver.send("PUT", POOL, body(pool, "redis/7", Map.of("REDIS_MAXMEMORY", "64mb"), null));
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals(2, JSON.readTree(updated.body()).at("/detail/generation").asInt());
        assertNotEquals(etag, updated.headers().firstValue("ETag").orElseThrow());
        await().atMost(CONVERGE).until(() -> resource().at("/detail/rollout").isMissingNode() && realtime().equals("running"));
        for (SshTestHost host : pool) {
            assertTrue(Files.readString(host.appHome("middleware", "redis-pool").resolve("redis.conf")).contains("maxmemory 64mb"));
            assertNotEquals(pidsBefore.get((long) pool.indexOf(host)), redisPid(host), host.ip + " runs a new server");
            assertEquals("+PONG", ping(host.ip));
        }
        // Never two hosts out of service at once: each host's stop-to-start window, from the actions' own times.
        List<Instant[]> windows = new ArrayList<>();
        for (SshTestHost host : pool) {
            windows.add(outOfService(host.ip));
        }
        for (int i = 0; i < windows.size(); i++) {
            for (int j = i + 1; j < windows.size(); j++) {
                boolean overlap = windows.get(i)[0].isBefore(windows.get(j)[1]) && windows.get(j)[0].isBefore(windows.get(i)[1]);
                assertFalse(overlap, pool.get(i).ip + " and " + pool.get(j).ip + " were out of service at once");
            }
        }
    }

    @Test
    @Order(3)
    void aChangeWhoseInstallFailsPausesAfterTheFirstHost() throws Exception {
        HttpResponse<String> broken = apiserver.send("PUT", POOL, body(pool, "no-such-set", Map.of("REDIS_MAXMEMORY", "64mb"), null));
        assertEquals(200, broken.statusCode(), broken.body());
        await().atMost(CONVERGE).until(() -> resource().at("/detail/rollout/paused").asBoolean());
        JsonNode rollout = resource().at("/detail/rollout");
        assertTrue(rollout.get("reason").asText().startsWith("127.0.0.2: "), rollout.toString());
        Thread.sleep(3000); // time enough for a wrong roll-out to reach the next host
        JsonNode hosts = resource().at("/detail/hosts");
        // The failed host backs off and tries its install again (from 2 s on): it is failed, or in such a retry.
        assertTrue(Set.of("failed", "installing").contains(hosts.get(0).get("realtime").asText()), hosts.toString());
        assertTrue(hosts.get(0).get("failure_count").asInt() >= 1, hosts.toString());
        for (int i = 1; i < 3; i++) {
            assertEquals("running", hosts.get(i).get("realtime").asText(), hosts.toString());
            assertEquals(2, hosts.get(i).get("generation").asInt(), "the others keep the generation they run");
            assertEquals("+PONG", ping(pool.get(i).ip));
        }
        assertTrue(Set.of("failed", "installing").contains(realtime()), realtime());
        assertTrue(resource().at("/detail/rollout/paused").asBoolean(), "still paused");
        // A newer spec supersedes the failed roll-out.
        assertEquals(200, apiserver.send("PUT", POOL, body(pool, "redis/7", Map.of("REDIS_MAXMEMORY", "32mb"), null)).statusCode());
        await().atMost(CONVERGE).until(() -> resource().at("/detail/rollout").isMissingNode() && realtime().equals("running"));
        for (SshTestHost host : pool) {
            assertTrue(Files.readString(host.appHome("middleware", "redis-pool").resolve("redis.conf")).contains("maxmemory 32mb"));
        }
    }

    @Test
    @Order(4)
    void aHostAddedIsBroughtUpAndAHostRemovedIsUninstalledThenForgotten() throws Exception {
        List<SshTestHost> next = List.of(system.host2, system.host3, host5);
        assertEquals(200, apiserver.send("PUT", POOL, body(next, "redis/7", Map.of("REDIS_MAXMEMORY", "32mb"), 2)).statusCode());
        await().atMost(CONVERGE).until(() -> resource().at("/detail/hosts").size() == 3
                && resource().at("/detail/rollout").isMissingNode() && realtime().equals("running"));
        List<String> ips = new ArrayList<>();
        resource().at("/detail/hosts").forEach(h -> ips.add(h.get("ip").asText()));
        assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.5"), ips);
        assertEquals("+PONG", ping(host5.ip));
        assertFalse(listening(host4.ip, redisPort), "the removed host's server is stopped");
        assertFalse(Files.exists(host4.appHome("middleware", "redis-pool")), "and uninstalled");
        assertTrue(events().stream().anyMatch(e -> e.path("type").asText().equals("host-removed")
                && e.path("host").asText().equals("127.0.0.4")));
        pool = next;
    }

    @Test
    @Order(5)
    void uninstallOnDeleteLeavesNothingRunningAndNoRecord() throws Exception {
        HttpResponse<String> answer = apiserver.send("DELETE", POOL + "?uninstall=true", null);
        assertEquals(202, answer.statusCode(), answer.body());
        await().atMost(CONVERGE).until(() -> apiserver.send("GET", POOL, null).statusCode() == 404);
        for (SshTestHost host : pool) {
            assertFalse(listening(host.ip, redisPort), host.ip);
            assertFalse(Files.exists(host.appHome("middleware", "redis-pool")), host.ip);
        }
        assertTrue(events().stream().anyMatch(e -> e.path("type").asText().equals("deleted")));
    }

    @Test
    @Order(6)
    void aDeleteDuringAnInstallLeavesNoCheckLoopOnTheAgent() throws Exception {
        system.create("database", "deleted-mid-install", system.host2, "counter", Map.of("INSTALL_SECONDS", "4"));
        system.put("database", "deleted-mid-install", "running");
        await().atMost(CONVERGE).until(() -> system.realtime(apiserver, "database", "deleted-mid-install").equals("installing"));
        assertEquals(200, apiserver.send("DELETE", "/apis/v1alpha1/database/deleted-mid-install", null).statusCode());
        Path record = system.host2.agentHome().resolve("agent").resolve("database").resolve("deleted-mid-install");
        // The install ends on its own; then the agent drops the application instead of checking it for ever.
        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(system.host2.appHome("database", "deleted-mid-install")
                .resolve("install-count")) && !Files.exists(record));
        Thread.sleep(2000);
        assertFalse(Files.exists(record), "the agent still keeps a record of the deleted application");
    }

    @Test
    @Order(7)
    void aCrashLoopBacksOffWithGrowingDelays() throws Exception {
        system.create("middleware", "crash-loop", system.host3, "counter", Map.of("INSTALL_SECONDS", "0", "CRASH_AFTER_START", "yes"));
        system.put("middleware", "crash-loop", "running");
        await().atMost(CONVERGE).until(() -> starts("crash-loop").size() >= 4);
        List<Instant> starts = starts("crash-loop");
        long first = Duration.between(starts.get(0), starts.get(1)).toMillis();
        long second = Duration.between(starts.get(1), starts.get(2)).toMillis();
        long third = Duration.between(starts.get(2), starts.get(3)).toMillis();
        assertTrue(first < second && second < third, "delays between restarts should grow: " + first + ", " + second + ", " + third);
        JsonNode host = system.get(apiserver, "/apis/v1alpha1/middleware/crash-loop").at("/detail/hosts/0");
        assertTrue(host.get("failure_count").asInt() >= 3, host.toString());
        assertTrue(host.get("last_error").asText().startsWith("unhealthy"), host.toString());
        assertEquals(200, apiserver.send("DELETE", "/apis/v1alpha1/middleware/crash-loop", null).statusCode());
    }

    // ---- the REST API, as automation would use it -----------------------------------------------

    /** The pool's body: every host listed, the script set at {@code repoPath}, extra metadata. */
    private static String body(List<SshTestHost> hosts, String repoPath, Map<String, String> extra, Integer maxInFlight) throws Exception {
        Map<String, String> metadata = new LinkedHashMap<>(Map.of("REDIS_PORT", String.valueOf(redisPort)));
        metadata.putAll(extra);
        Map<String, Object> app = new LinkedHashMap<>(Map.of("repo_url", system.repo.url(repoPath), "install", "install.sh",
                "start", "start.sh", "stop", "stop.sh", "restart", "restart.sh", "check", "check.sh", "uninstall", "uninstall.sh"));
        app.put("metadata", metadata);
        List<Map<String, Object>> hostList = hosts.stream().map(h -> Map.<String, Object>of("ip", h.ip, "ssh_port", h.sshPort(),
                "agent_port", h.agentPort, "auth", List.of(Map.of("username", h.username, "password", h.password)))).toList();
        Map<String, Object> body = new LinkedHashMap<>(Map.of("name", "redis-pool", "host", hostList, "app", app));
        if (maxInFlight != null) {
            body.put("rollout", Map.of("max_in_flight", maxInFlight));
        }
        return JSON.writeValueAsString(body);
    }

    private static void put(String target) throws Exception {
        system.put("middleware", "redis-pool", target);
    }

    private static JsonNode resource() throws Exception {
        return system.get(apiserver, POOL);
    }

    private static String realtime() throws Exception {
        return system.realtime(apiserver, "middleware", "redis-pool");
    }

    private static void awaitRealtime(String state) {
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias("redis-pool reaching " + state)
                .until(() -> realtime().equals(state));
    }

    private static List<JsonNode> events() throws Exception {
        return events("middleware", "redis-pool");
    }

    private static List<JsonNode> events(String kind, String name) throws Exception {
        JsonNode events = JSON.readTree(apiserver.send("GET", "/apis/v1alpha1/" + kind + "/" + name + "/events?limit=1000", null).body());
        return Stream.iterate(0, i -> i < events.size(), i -> i + 1).map(events::get).toList();
    }

    /** When each start of {@code name} began on its host, oldest first. */
    private static List<Instant> starts(String name) throws Exception {
        return events("middleware", name).stream()
                .filter(e -> e.path("type").asText().equals("action") && e.path("message").asText().startsWith("start "))
                .map(e -> Instant.parse(e.get("at").asText()).minusMillis(e.get("duration_ms").asLong()))
                .sorted().toList();
    }

    /** The last roll-out's window on {@code ip}: from its stop's start to its start's end, by the actions' own times. */
    private static Instant[] outOfService(String ip) throws Exception {
        List<JsonNode> actions = events().stream().filter(e -> e.path("type").asText().equals("action")
                && e.path("host").asText().equals(ip)).toList(); // newest first
        JsonNode start = actions.stream().filter(e -> e.path("message").asText().startsWith("start ")).findFirst().orElseThrow();
        JsonNode stop = actions.stream().filter(e -> e.path("message").asText().startsWith("stop ")).findFirst().orElseThrow();
        Instant stopBegan = Instant.parse(stop.get("at").asText()).minusMillis(stop.get("duration_ms").asLong());
        return new Instant[] {stopBegan, Instant.parse(start.get("at").asText())};
    }

    // ---- the real software, checked directly -------------------------------------------------

    private static long redisPid(SshTestHost host) throws IOException {
        return Long.parseLong(Files.readString(host.appHome("middleware", "redis-pool").resolve("redis.pid")).trim());
    }

    private static String ping(String ip) throws IOException {
        return Sockets.redisPing(ip, redisPort);
    }

    private static boolean listening(String ip, int port) {
        return Sockets.listening(ip, port);
    }
}
