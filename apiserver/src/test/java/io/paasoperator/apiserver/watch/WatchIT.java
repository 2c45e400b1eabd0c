package io.paasoperator.apiserver.watch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.SseClient;
import io.paasoperator.apiserver.testing.SseClient.Frame;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The watch stream end to end: packaged apiservers (two replicas, then a third that prunes) on one real PostgreSQL, read
 * by a client on a plain socket that sees the bytes the server writes. The reconciler is off, so that every change seen
 * is one the test made.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WatchIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Pattern LOGGED_ERROR = Pattern.compile("^\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3} ERROR ");
    private static final Pattern STREAMS_GAUGE = Pattern.compile("(?m)^paas_watch_streams(\\{[^}]*\\})? ([0-9.]+)$");
    private static final String VIEWER = "watch-viewer-" + HexFormat.of().formatHex(random(16));
    private static final int BUFFER_BYTES = 65536;

    static LocalPostgres database;
    static Map<String, String> env;
    static final List<ApiserverProcess> replicas = new ArrayList<>();
    static ApiserverProcess replicaA;
    static ApiserverProcess replicaB;

    @BeforeAll
    static void start() throws Exception {
        database = LocalPostgres.start(Path.of("target").toAbsolutePath().resolve("watch-db-" + ProcessHandle.current().pid()));
        env = new HashMap<>(ApiserverProcess.externalDatabase(database));
        // A bare token is an admin's (and the one ApiserverProcess sends); the watches present a viewer's.
        env.put("PAAS_API_TOKENS", "watch-admin-" + HexFormat.of().formatHex(random(16)) + ",viewer:viewer:" + VIEWER);
        env.put("PAAS_SECRET_KEY", Base64.getEncoder().encodeToString(random(32)));
        env.put("PAAS_RECONCILE_ENABLED", "false");
        env.put("PAAS_WATCH_HEARTBEAT", "1s");
        env.put("PAAS_WATCH_BUFFER_BYTES", String.valueOf(BUFFER_BYTES));
        replicaA = startReplica("127.0.0.150", "watch-apiserver-a.log", Map.of());
        replicaB = startReplica("127.0.0.151", "watch-apiserver-b.log", Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        for (ApiserverProcess replica : replicas) {
            replica.close();
        }
        if (database != null) {
            database.close();
        }
    }

    @Test
    @Order(1)
    void startsWithEveryResourceThenSendsEachChange() throws Exception {
        create("watch-a", Map.of("DB_PASSWORD", "md-secret-1", "PORT", "1"));
        create("watch-b", Map.of("DB_PASSWORD", "md-secret-2", "PORT", "2"));
        try (SseClient watch = watch(replicaA, "", Map.of())) {
            assertEquals("no-cache", watch.headers.get("cache-control"));
            List<String> names = listedNames();
            List<Frame> added = nextEvents(watch, names.size());
            assertEquals(names, added.stream().map(f -> name(f)).toList(), "one ADDED per resource, by name");
            long snapshot = Long.parseLong(added.get(0).id());
            for (Frame frame : added) {
                assertEquals("ADDED", frame.event());
                assertEquals(snapshot, Long.parseLong(frame.id()), "every ADDED carries the snapshot's id");
                assertEquals(get(name(frame)), JSON.readTree(frame.data()), "the object as GET answers it");
            }

            put("watch-a", "stopped");
            Frame modified = watch.nextEvent(WAIT);
            assertEquals("MODIFIED", modified.event());
            assertEquals("watch-a", name(modified));
            assertEquals("stopped", JSON.readTree(modified.data()).at("/app/status/expect").asText());
            assertTrue(Long.parseLong(modified.id()) > snapshot);

            JsonNode before = get("watch-b");
            assertEquals(200, replicaA.send("DELETE", "/apis/v1alpha1/middleware/watch-b", null).statusCode());
            Frame deleted = watch.nextEvent(WAIT);
            assertEquals("DELETED", deleted.event());
            assertTrue(Long.parseLong(deleted.id()) > Long.parseLong(modified.id()));
            assertEquals(before, JSON.readTree(deleted.data()), "the object it had, redacted as GET redacts it");
            assertEquals("******", JSON.readTree(deleted.data()).at("/host/0/auth/0/password").asText());
            assertEquals("******", JSON.readTree(deleted.data()).at("/app/metadata/DB_PASSWORD").asText());
            assertFalse(deleted.data().contains("md-secret-2") || deleted.data().contains("pw-watch-b")
                    || deleted.data().contains("aesgcm:"), deleted.data());
        }
    }

    @Test
    @Order(2)
    void resumesWithExactlyTheChangesMissed() throws Exception {
        String last;
        try (SseClient watch = watch(replicaA, "", Map.of())) {
            List<Frame> added = nextEvents(watch, listedNames().size());
            last = added.get(added.size() - 1).id();
        }
        put("watch-a", "running");
        put("watch-a", "stopped");
        create("watch-c", Map.of("PORT", "3"));
        for (Map.Entry<String, Map<String, String>> resume : List.of(Map.entry("", Map.of("Last-Event-ID", last)),
                Map.entry("&since=" + last, Map.<String, String>of()))) {
            try (SseClient watch = watch(replicaA, resume.getKey(), resume.getValue())) {
                List<Frame> missed = nextEvents(watch, 3);
                assertEquals(List.of("MODIFIED watch-a", "MODIFIED watch-a", "ADDED watch-c"),
                        missed.stream().map(f -> f.event() + " " + name(f)).toList());
                long previous = Long.parseLong(last);
                for (Frame frame : missed) {
                    assertTrue(Long.parseLong(frame.id()) > previous, "in order, after " + last);
                    previous = Long.parseLong(frame.id());
                }
                assertTrue(watch.next(WAIT).isHeartbeat(), "nothing else was missed");
            }
        }
    }

    @Test
    @Order(3)
    void anIdleStreamSendsHeartbeats() throws Exception {
        // No database resources exist: nothing but heartbeats (PAAS_WATCH_HEARTBEAT=1s) comes.
        try (SseClient watch = SseClient.open(replicaA.host, replicaA.port, "/apis/v1alpha1/database?watch=true",
                Map.of("Authorization", "Bearer " + VIEWER), 0)) {
            assertEquals(200, watch.status);
            for (int i = 0; i < 2; i++) {
                Frame frame = watch.next(Duration.ofSeconds(5));
                assertTrue(frame.isHeartbeat(), String.valueOf(frame));
            }
        }
    }

    @Test
    @Order(4)
    void aChangeThroughOneReplicaReachesAWatcherOnAnother() throws Exception {
        try (SseClient watch = watch(replicaB, "", Map.of())) {
            nextEvents(watch, listedNames().size());
            put("watch-a", "running"); // through replica A
            Frame modified = watch.nextEvent(WAIT);
            assertEquals("MODIFIED watch-a", modified.event() + " " + name(modified));
            assertEquals("running", JSON.readTree(modified.data()).at("/app/status/expect").asText());
        }
    }

    /**
     * Two writers: the first takes its transaction and its change's seq, the second its own after it, and commits first.
     * A snapshot lists only transactions older than the newest completed one, so the first is in no snapshot the second's
     * change could carry: a reader that sent the second's change at its commit moved past the first's lower seq, and
     * never sent it (the filtered watches of the fleet benchmark missed changes so).
     */
    @Test
    @Order(5)
    void aChangeCommittedAfterALaterOneIsStillSent() throws Exception {
        try (SseClient watch = watch(replicaA, "", Map.of()); Connection first = connect(); Connection second = connect()) {
            nextEvents(watch, listedNames().size());
            first.setAutoCommit(false);
            second.setAutoCommit(false);
            newVersion(first, "watch-a");
            newVersion(second, "watch-c");
            second.commit();
            assertEquals(List.of(), eventsFor(watch, Duration.ofSeconds(3)),
                    "the second writer's change waits while the first, which began writing before it, is open");
            first.commit();
            List<Frame> both = nextEvents(watch, 2);
            assertEquals(List.of("MODIFIED watch-a", "MODIFIED watch-c"), both.stream().map(f -> f.event() + " " + name(f)).toList());
            assertTrue(Long.parseLong(both.get(0).id()) < Long.parseLong(both.get(1).id()), "each with its own change's id");
        }
    }

    @Test
    @Order(6)
    void refusesBadCallsWithAProblemBeforeAnyStream() throws Exception {
        refused(401, null, "/apis/v1alpha1/middleware?watch=true", Map.of("Authorization", "Bearer not-a-token"));
        refused(401, null, "/apis/v1alpha1/middleware?watch=true", Map.of());
        try (SseClient answer = SseClient.open(replicaA.host, replicaA.port, "/apis/v1alpha1/middleware?watch=true", Map.of(), 0)) {
            assertEquals("Bearer", answer.headers.get("www-authenticate"), "a 401 names the scheme, as every route's does");
        }
        JsonNode kind = refused(404, null, "/apis/v1alpha1/nosuchkind?watch=true", viewer());
        assertTrue(kind.path("detail").asText().contains("nosuchkind"), kind.toString());
        refused(400, "Last-Event-ID", "/apis/v1alpha1/middleware?watch=true", Map.of("Authorization", "Bearer " + VIEWER,
                "Last-Event-ID", "yesterday"));
        refused(400, "since", "/apis/v1alpha1/middleware?watch=true&since=-1", viewer());
        refused(400, "watch", "/apis/v1alpha1/middleware?watch=yes", viewer());
        refused(400, "expect", "/apis/v1alpha1/middleware?watch=true&expect=sleeping", viewer());
        // The list itself is untouched.
        assertEquals(200, replicaA.send("GET", "/apis/v1alpha1/middleware?watch=false", null).statusCode());
        assertEquals(200, replicaA.send("GET", "/apis/v1alpha1/hosts?watch=true", null).statusCode());
    }

    @Test
    @Order(7)
    void aClientThatDoesNotReadIsCutOffAndTheServerCarriesOn() throws Exception {
        // About 150 KB a frame: the client's and the server's socket buffers (a few MB at most) soon fill, then the bound.
        Map<String, String> bulky = new LinkedHashMap<>();
        for (int i = 0; i < 100; i++) {
            bulky.put("FILL_" + i, "x".repeat(1500));
        }
        create("watch-bulky", bulky);
        int changes = 0;
        try (SseClient slow = SseClient.open(replicaA.host, replicaA.port, "/apis/v1alpha1/middleware?watch=true", viewer(), 4096)) {
            assertEquals(200, slow.status);
            await().atMost(WAIT).until(() -> openStreams(replicaA) == 1);
            // Changes are answered (202) while the watcher lags, until the server lets the watcher go.
            while (openStreams(replicaA) > 0) {
                assertTrue(changes < 500, "still watched after " + changes + " changes of ~150 KB");
                put("watch-bulky", changes++ % 2 == 0 ? "running" : "stopped");
            }
            Frame last = null;
            for (Frame frame = slow.next(WAIT); frame != null; frame = slow.next(WAIT)) {
                if (frame.event() != null) {
                    last = frame;
                }
            }
            // The frame that passes the bound is itself written before the cut, so a server that kept up may have sent
            // every change made until then: what shows the cut is the ERROR last, then the end of the stream.
            assertNotNull(last);
            assertEquals("ERROR", last.event(), "the stream ends with the reason");
            JsonNode problem = JSON.readTree(last.data());
            assertEquals(503, problem.path("status").asInt());
            assertTrue(problem.path("detail").asText().contains("paas.watch.buffer-bytes"), problem.toString());
            assertNull(last.id(), "an ERROR moves no client's Last-Event-ID");
        }
        assertEquals(200, replicaA.send("GET", "/apis/v1alpha1/middleware/watch-bulky/status", null).statusCode());
        await().atMost(WAIT).until(() -> openStreams(replicaA) == 0);
    }

    @Test
    @Order(8)
    void aClientGoneMidStreamIsForgotten() throws Exception {
        SseClient watch = watch(replicaA, "", Map.of());
        nextEvents(watch, listedNames().size());
        assertEquals(1, openStreams(replicaA));
        watch.close();
        put("watch-a", "stopped"); // written to no one
        await().atMost(WAIT).until(() -> openStreams(replicaA) == 0);
    }

    @Test
    @Order(9)
    void anIdOlderThanTheChangeLogKeepsIsGone() throws Exception {
        // The oldest change kept, read before a pruning replica can drop it.
        long oldest = firstChange();
        // A replica that keeps changes for a second and purges every second: changes before now are soon dropped.
        ApiserverProcess pruning = startReplica("127.0.0.152", "watch-apiserver-c.log",
                Map.of("PAAS_WATCH_RETENTION", "PT1S", "PAAS_HISTORY_PURGE_EVERY", "1s"));
        // The purge is the scheduler's (every second on that replica); the stream is what is tested: once the change log
        // is pruned past its first change, a watcher resuming from it must be told at once that it missed changes.
        await().atMost(Duration.ofSeconds(120)).until(() -> prunedThrough() >= oldest);
        try (SseClient watch = SseClient.open(pruning.host, pruning.port, "/apis/v1alpha1/middleware?watch=true",
                Map.of("Authorization", "Bearer " + VIEWER, "Last-Event-ID", String.valueOf(oldest)), 0)) {
            assertEquals(200, watch.status);
            Frame first = firstEventWithin(watch, Duration.ofSeconds(10));
            assertNotNull(first, "no event came");
            assertEquals("ERROR", first.event(), "resumed from a pruned id: " + first);
            assertEquals(410, JSON.readTree(first.data()).path("status").asInt(), first.data());
            assertNull(watch.next(Duration.ofSeconds(10)), "the stream ends after the ERROR");
        }
        // An id no change ever had is a bad field, not a change log that lost something.
        try (SseClient watch = SseClient.open(pruning.host, pruning.port, "/apis/v1alpha1/middleware?watch=true",
                Map.of("Authorization", "Bearer " + VIEWER, "Last-Event-ID", "999999999999999999"), 0)) {
            Frame first = firstEventWithin(watch, Duration.ofSeconds(10));
            assertNotNull(first, "no event came");
            assertEquals("ERROR", first.event(), first.toString());
            JsonNode problem = JSON.readTree(first.data());
            assertEquals(400, problem.path("status").asInt(), first.data());
            assertEquals("Last-Event-ID", problem.at("/errors/0/field").asText(), first.data());
        }
        // Watching afresh still works: every resource, as it is.
        try (SseClient watch = watch(pruning, "", Map.of())) {
            assertEquals(listedNames(), nextEvents(watch, listedNames().size()).stream().map(f -> name(f)).toList());
        }
    }

    @Test
    @Order(10)
    void anIdFromAnotherDatabasesHistoryIsNeverResumed() throws Exception {
        long here;
        try (SseClient watch = watch(replicaA, "", Map.of())) {
            here = Long.parseLong(nextEvents(watch, listedNames().size()).get(0).id());
        }
        // The apiserver's database replaced by a fresh one, as a new zero-configuration data directory would be.
        try (LocalPostgres fresh = LocalPostgres.start(Path.of("target").toAbsolutePath().resolve("watch-db-fresh-"
                + ProcessHandle.current().pid()))) {
            Map<String, String> onFresh = new HashMap<>(ApiserverProcess.externalDatabase(fresh));
            onFresh.remove("PAAS_API_TOKENS");
            ApiserverProcess replaced = startReplica("127.0.0.153", "watch-apiserver-d.log", onFresh);
            try {
                create(replaced, "watch-elsewhere", Map.of("PORT", "4"));
                long there;
                try (SseClient watch = watch(replaced, "", Map.of())) {
                    there = Long.parseLong(nextEvents(watch, 1).get(0).id());
                }
                // Numbered from the same start, the two logs would share ids: each history's id would resume on the other.
                assertTrue(Math.abs(here - there) > 1_000_000_000L, "ids " + here + " and " + there + " are far apart");
                for (Map.Entry<ApiserverProcess, Long> other : Map.of(replaced, here, replicaA, there).entrySet()) {
                    try (SseClient watch = SseClient.open(other.getKey().host, other.getKey().port,
                            "/apis/v1alpha1/middleware?watch=true", Map.of("Authorization", "Bearer " + VIEWER, "Last-Event-ID",
                                    String.valueOf(other.getValue())), 0)) {
                        Frame first = firstEventWithin(watch, Duration.ofSeconds(10));
                        assertNotNull(first, "no event came");
                        assertEquals("ERROR", first.event(), "resumed in another history: " + first);
                        JsonNode problem = JSON.readTree(first.data());
                        assertEquals(400, problem.path("status").asInt(), "no change of this history had it: " + first.data());
                        assertEquals("Last-Event-ID", problem.at("/errors/0/field").asText(), first.data());
                    }
                }
            } finally {
                replaced.close();
            }
        }
    }

    @Test
    @Order(11)
    void noReplicaLoggedAnError() throws Exception {
        for (ApiserverProcess replica : replicas) {
            List<String> errors = Files.readAllLines(replica.log()).stream().filter(l -> LOGGED_ERROR.matcher(l).find()).toList();
            assertEquals(List.of(), errors, replica.log().toString());
        }
    }

    private static Connection connect() throws Exception {
        Map<String, String> settings = database.datasourceSettings();
        return DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"), settings.get("quarkus.datasource.username"),
                settings.get("quarkus.datasource.password"));
    }

    /** A write of the resource's row as the store makes one (a new version), in the connection's open transaction. */
    private static void newVersion(Connection db, String name) throws Exception {
        try (PreparedStatement update = db.prepareStatement("update resource set version = version + 1 where kind = 'middleware'"
                + " and name = ?")) {
            update.setString(1, name);
            assertEquals(1, update.executeUpdate());
        }
    }

    /** The first event (not a heartbeat: those come every second) that arrives within {@code time}, or null. */
    private static Frame firstEventWithin(SseClient watch, Duration time) throws Exception {
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            Frame frame = watch.next(WAIT);
            if (frame == null || frame.event() != null) {
                return frame;
            }
        }
        return null;
    }

    /** The events (not heartbeats, which come every second) that arrive within {@code time}. */
    private static List<String> eventsFor(SseClient watch, Duration time) throws Exception {
        List<String> events = new ArrayList<>();
        long end = System.nanoTime() + time.toNanos();
        while (System.nanoTime() < end) {
            Frame frame = watch.next(WAIT);
            assertNotNull(frame, "the stream ended");
            if (frame.event() != null) {
                events.add(frame.event() + " " + name(frame));
            }
        }
        return events;
    }

    /** The id of the oldest change the log keeps, read from the database itself. */
    private static long firstChange() throws Exception {
        try (Connection db = connect(); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("select min(seq) from resource_change")) {
            assertTrue(rows.next());
            return rows.getLong(1);
        }
    }

    /** The highest change id retention has dropped, read from the database itself. */
    private static long prunedThrough() throws Exception {
        try (Connection db = connect(); Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("select pruned_through from resource_change_horizon")) {
            return rows.next() ? rows.getLong(1) : 0;
        }
    }

    private static ApiserverProcess startReplica(String host, String log, Map<String, String> settings) throws Exception {
        Map<String, String> replicaEnv = new HashMap<>(env);
        replicaEnv.put("QUARKUS_HTTP_HOST", host);
        replicaEnv.put("OPERATOR_IP", host);
        replicaEnv.putAll(settings);
        // Its log from this run only (ApiserverProcess appends): the last test reads it.
        Files.deleteIfExists(Path.of("target", "it-logs", log));
        ApiserverProcess replica = ApiserverProcess.start(Files.createTempDirectory("watch-apiserver-"),
                ApiserverProcess.freePort(), replicaEnv, log);
        replicas.add(replica);
        return replica;
    }

    private static SseClient watch(ApiserverProcess replica, String query, Map<String, String> headers) throws Exception {
        Map<String, String> all = new HashMap<>(viewer());
        all.putAll(headers);
        SseClient watch = SseClient.open(replica.host, replica.port, "/apis/v1alpha1/middleware?watch=true" + query, all, 0);
        assertEquals(200, watch.status);
        assertTrue(watch.headers.get("content-type").startsWith("text/event-stream"), watch.headers.toString());
        return watch;
    }

    private static JsonNode refused(int status, String field, String path, Map<String, String> headers) throws Exception {
        try (SseClient answer = SseClient.open(replicaA.host, replicaA.port, path, headers, 0)) {
            String body = answer.rest();
            assertEquals(status, answer.status, body);
            assertEquals("application/problem+json", answer.headers.get("content-type"));
            JsonNode problem = JSON.readTree(body);
            assertEquals(status, problem.path("status").asInt());
            if (field != null) {
                assertEquals(field, problem.at("/errors/0/field").asText(), body);
            }
            return problem;
        }
    }

    private static List<Frame> nextEvents(SseClient watch, int count) throws Exception {
        List<Frame> frames = new ArrayList<>();
        while (frames.size() < count) {
            Frame frame = watch.nextEvent(WAIT);
            assertNotNull(frame, "the stream ended after " + frames);
            frames.add(frame);
        }
        return frames;
    }

    private static Map<String, String> viewer() {
        return Map.of("Authorization", "Bearer " + VIEWER);
    }

    private static String name(Frame frame) {
        try {
            return JSON.readTree(frame.data()).path("name").asText();
        } catch (Exception e) {
            throw new AssertionError(frame.data(), e);
        }
    }

    private static List<String> listedNames() throws Exception {
        List<String> names = new ArrayList<>();
        JSON.readTree(replicaA.send("GET", "/apis/v1alpha1/middleware?limit=1000", null).body()).path("items")
                .forEach(item -> names.add(item.path("name").asText()));
        return names;
    }

    private static JsonNode get(String name) throws Exception {
        HttpResponse<String> answer = replicaA.send("GET", "/apis/v1alpha1/middleware/" + URLEncoder.encode(name,
                StandardCharsets.UTF_8), null);
        assertEquals(200, answer.statusCode(), answer.body());
        return JSON.readTree(answer.body());
    }

    private static void create(String name, Map<String, String> metadata) throws Exception {
        create(replicaA, name, metadata);
    }

    private static void create(ApiserverProcess replica, String name, Map<String, String> metadata) throws Exception {
        Map<String, Object> body = Map.of("name", name,
                "host", List.of(Map.of("ip", "127.0.0.155", "auth", List.of(Map.of("username", "app", "password", "pw-" + name)))),
                "app", Map.of("repo_url", "http://127.0.0.155:9/repo/", "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh", "metadata", metadata));
        HttpResponse<String> answer = replica.send("POST", "/apis/v1alpha1/middleware/create", JSON.writeValueAsString(body));
        assertEquals(201, answer.statusCode(), answer.body());
    }

    private static void put(String name, String target) throws Exception {
        HttpResponse<String> answer = replicaA.send("PUT", "/apis/v1alpha1/middleware/" + name + "/" + target, "");
        assertEquals(202, answer.statusCode(), answer.body());
    }

    private static int openStreams(ApiserverProcess replica) throws Exception {
        Matcher gauge = STREAMS_GAUGE.matcher(replica.send("GET", "/q/metrics", null).body());
        assertTrue(gauge.find(), "paas_watch_streams is exported");
        return (int) Double.parseDouble(gauge.group(2));
    }

    private static byte[] random(int bytes) {
        byte[] value = new byte[bytes];
        new SecureRandom().nextBytes(value);
        return value;
    }
}
