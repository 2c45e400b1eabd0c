package io.paasoperator.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.PostgresControl;
import io.paasoperator.apiserver.testing.Seeds;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fault drills on the database path of the packaged apiserver, against a real PostgreSQL this test starts and controls:
 * PostgreSQL restarted under a write load, PostgreSQL down for longer than the apiserver keeps trying, and concurrent
 * deletes. Every answer of 500 fails the test; so does an ERROR in the apiserver's log. Figures go to stdout, prefixed
 * {@value #FIGURES}.
 */
class DatabaseFaultsIT {

    private static final String FIGURES = "[db-faults]";
    private static final String API = "/apis/v1alpha1/middleware/";
    private static final int WRITERS = 12;
    private static final Duration LOAD = Duration.ofSeconds(10);
    private static final Duration RESTART_AFTER = Duration.ofSeconds(3);
    private static final Duration READY_WITHIN = Duration.ofSeconds(60);

    private static Path work;
    private static LocalPostgres database;
    private static PostgresControl pgCtl;
    private static ApiserverProcess apiserver;

    @BeforeAll
    static void start() throws Exception {
        work = Files.createTempDirectory(Files.createDirectories(Path.of("target")), "db-faults-");
        Path dataDir = work.toAbsolutePath().resolve("postgres");
        database = LocalPostgres.start(dataDir);
        pgCtl = PostgresControl.of(dataDir, work.toAbsolutePath().resolve("pg_ctl.log"));
        Map<String, String> env = new HashMap<>(ApiserverProcess.externalDatabase(database));
        env.put("PAAS_RECONCILE_ENABLED", "false"); // the API's database path alone: no host is reachable here
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        apiserver = ApiserverProcess.start(work.resolve("apiserver"), ApiserverProcess.freePort(), env, "db-faults-apiserver.log");
    }

    @AfterAll
    static void stop() throws Exception {
        if (apiserver != null) {
            apiserver.close();
        }
        if (database != null) {
            database.close();
        }
    }

    /**
     * {@code pg_ctl restart -m fast} while {@value #WRITERS} clients PUT states and create resources: no answer is a
     * 500, a 503 only when the change is honestly in doubt or the database unreachable, every acknowledged write is
     * there afterwards, and the apiserver is ready again.
     */
    @Test
    void postgresRestartedUnderWriteLoadCostsNo500AndNoAcknowledgedWrite() throws Exception {
        long logFrom = Files.size(apiserver.log());
        List<String> owned = new ArrayList<>();
        for (int i = 0; i < WRITERS; i++) {
            String name = Seeds.uniqueName("drill-put");
            assertEquals(201, apiserver.send("POST", API + "create", body(name)).statusCode());
            owned.add(name);
        }
        Map<Object, AtomicLong> answers = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<HttpResponse<String>> unavailable = new ConcurrentLinkedQueue<>(); // answers of 503
        Set<String> createdAcknowledged = ConcurrentHashMap.newKeySet();
        Map<String, List<String[]>> putsInOrder = new ConcurrentHashMap<>(); // per resource: {target, status}
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService clients = Executors.newFixedThreadPool(WRITERS + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                String mine = owned.get(w);
                putsInOrder.put(mine, Collections.synchronizedList(new ArrayList<>()));
                writers.add(clients.submit(() -> {
                    for (int n = 0; !stop.get(); n++) {
                        if (n % 2 == 0) {
                            String target = n % 4 == 0 ? "running" : "stopped";
                            Answer put = answer(() -> apiserver.send("PUT", API + mine + "/" + target, ""));
                            count(answers, put.status);
                            putsInOrder.get(mine).add(new String[] {target, String.valueOf(put.status)});
                            if (put.status.equals(503)) {
                                unavailable.add(put.response);
                            }
                        } else {
                            String name = Seeds.uniqueName("drill-new");
                            Answer created = answer(() -> apiserver.send("POST", API + "create", body(name)));
                            count(answers, created.status);
                            if (created.status.equals(201)) {
                                createdAcknowledged.add(name);
                            } else if (created.status.equals(503)) {
                                unavailable.add(created.response);
                            }
                        }
                    }
                    return null;
                }));
            }
            ReadinessWatch readiness = new ReadinessWatch();
            Future<?> watching = clients.submit(readiness);

            Thread.sleep(RESTART_AFTER.toMillis());
            long restartStarted = System.nanoTime();
            pgCtl.restart();
            long back = System.nanoTime();
            long readyAgain = readiness.awaitReadyAfter(back);
            Thread.sleep(Math.max(0, LOAD.minus(RESTART_AFTER).toMillis() - millis(back - restartStarted)));
            stop.set(true);
            readiness.stop();
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            watching.get(60, TimeUnit.SECONDS);

            long total = answers.values().stream().mapToLong(AtomicLong::get).sum();
            System.out.printf("%s restart under load: %d requests by %d clients in %d s; answers %s; pg_ctl restart took %d ms;"
                            + " readiness DOWN seen %d times; ready %d ms after PostgreSQL was back%n", FIGURES, total, WRITERS,
                    LOAD.toSeconds(), new TreeMap<>(answers.entrySet().stream().collect(Collectors.toMap(e -> String.valueOf(e.getKey()),
                            e -> e.getValue().get()))), millis(back - restartStarted), readiness.downSeen.get(), millis(readyAgain - back));

            assertEquals(Set.of(), answers.keySet().stream().filter(s -> !Set.of(201, 202, 503).contains(s)).collect(Collectors.toSet()),
                    "answers other than 201, 202 and 503 (a 500 above all): " + answers + "; see " + apiserver.log());
            for (HttpResponse<String> response : unavailable) {
                assertProblemWithRetryAfter(response);
            }
            assertTrue(readyAgain > 0, "not ready again within " + READY_WITHIN.toSeconds() + " s");

            // Every acknowledged write is stored: each create, and each resource's last acknowledged state (or a later
            // one whose answer was a 503, which may have been committed).
            for (String name : createdAcknowledged) {
                assertEquals(200, apiserver.send("GET", API + name + "/status", null).statusCode(), name + " was acknowledged");
            }
            for (Map.Entry<String, List<String[]>> puts : putsInOrder.entrySet()) {
                String stored = apiserver.send("GET", API + puts.getKey() + "/status", null).body();
                assertTrue(possibleOutcomes(puts.getValue()).stream().anyMatch(target -> stored.contains("\"expect\":\"" + target + "\"")),
                        puts.getKey() + " stores " + stored + " after " + puts.getValue().stream().map(p -> p[0] + "=" + p[1]).toList());
            }
            System.out.printf("%s restart under load: %d acknowledged creates and %d resources' last acknowledged states read"
                    + " back%n", FIGURES, createdAcknowledged.size(), putsInOrder.size());
        } finally {
            stop.set(true);
            clients.shutdownNow();
        }
        assertNoErrorLogged(logFrom);
    }

    /**
     * PostgreSQL down for longer than the apiserver tries again: readiness reports it, requests answer 503 with
     * Retry-After and a problem body (never a 500, never a hang), and once it is back everything works again.
     */
    @Test
    void postgresDownAnswers503WithRetryAfterAndReadinessReportsIt() throws Exception {
        long logFrom = Files.size(apiserver.log());
        String name = Seeds.uniqueName("drill-down");
        assertEquals(201, apiserver.send("POST", API + "create", body(name)).statusCode());

        pgCtl.stop();
        long down;
        try {
            long stopped = System.nanoTime();
            down = awaitReadiness(503);
            long asked = System.nanoTime();
            HttpResponse<String> put = apiserver.send("PUT", API + name + "/running", "");
            long answered = System.nanoTime();
            HttpResponse<String> get = apiserver.send("GET", API + name, null);
            HttpResponse<String> create = apiserver.send("POST", API + "create", body(Seeds.uniqueName("drill-down")));
            System.out.printf("%s database down: readiness DOWN %d ms after the stop; PUT answered %d after %d ms, GET %d,"
                            + " create %d%n", FIGURES, millis(down - stopped), put.statusCode(), millis(answered - asked),
                    get.statusCode(), create.statusCode());
            for (HttpResponse<String> response : List.of(put, get, create)) {
                assertProblemWithRetryAfter(response);
            }
        } finally {
            pgCtl.start();
        }
        long back = System.nanoTime();
        long ready = awaitReadiness(200);
        assertEquals(202, apiserver.send("PUT", API + name + "/running", "").statusCode());
        assertTrue(apiserver.send("GET", API + name + "/status", null).body().contains("\"expect\":\"running\""));
        System.out.printf("%s database down: ready %d ms after PostgreSQL was started again%n", FIGURES, millis(ready - back));
        // A readiness probe made during the outage leaves a pool timer that fires 30 s later (vertx-sql-client#1706): the
        // log is read once it has.
        Thread.sleep(Math.max(0, millis(down + TimeUnit.SECONDS.toNanos(32) - System.nanoTime())));
        assertNoErrorLogged(logFrom);
    }

    /** 200 resources deleted 16 at a time, with no fault at all: every answer 200, none hangs, and each name can be created again. */
    @Test
    void concurrentDeletesAllAnswerAndNoneHangs() throws Exception {
        long logFrom = Files.size(apiserver.log());
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            names.add(Seeds.uniqueName("drill-delete"));
        }
        ExecutorService clients = Executors.newFixedThreadPool(16);
        try {
            Map<Object, AtomicLong> created = inParallel(clients, names, name -> apiserver.send("POST", API + "create", body(name)));
            assertEquals(Map.of(201, 200L), plain(created));
            long started = System.nanoTime();
            Map<Object, AtomicLong> deleted = inParallel(clients, names, name -> apiserver.send("DELETE", API + name, null));
            long took = System.nanoTime() - started;
            Map<Object, AtomicLong> recreated = inParallel(clients, names, name -> apiserver.send("POST", API + "create", body(name)));
            System.out.printf("%s concurrent deletes: 200 resources, 16 clients: answers %s in %d ms; created again: %s%n",
                    FIGURES, plain(deleted), millis(took), plain(recreated));
            assertEquals(Map.of(200, 200L), plain(deleted), "see " + apiserver.log());
            assertEquals(Map.of(201, 200L), plain(recreated), "see " + apiserver.log());
        } finally {
            clients.shutdownNow();
        }
        assertNoErrorLogged(logFrom);
    }

    private interface Request {
        HttpResponse<String> send(String name) throws Exception;
    }

    private interface Call {
        HttpResponse<String> send() throws Exception;
    }

    /** A response, or "timeout"/the exception's name for a request that got none (within ApiserverProcess' 20 s). */
    private record Answer(Object status, HttpResponse<String> response) {
    }

    private static Answer answer(Call call) {
        try {
            HttpResponse<String> response = call.send();
            return new Answer(response.statusCode(), response);
        } catch (java.net.http.HttpTimeoutException e) {
            return new Answer("timeout", null);
        } catch (Exception e) {
            return new Answer(e.getClass().getSimpleName(), null);
        }
    }

    /** Sends one request per name, from every client of {@code clients} at once; counts the answers. */
    private static Map<Object, AtomicLong> inParallel(ExecutorService clients, List<String> names, Request request) throws Exception {
        Map<Object, AtomicLong> answers = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>(names);
        List<Future<?>> running = new ArrayList<>();
        for (int i = 0; i < 16; i++) {
            running.add(clients.submit(() -> {
                for (String name = queue.poll(); name != null; name = queue.poll()) {
                    String current = name;
                    count(answers, answer(() -> request.send(current)).status);
                }
                return null;
            }));
        }
        for (Future<?> client : running) {
            client.get(5, TimeUnit.MINUTES);
        }
        return answers;
    }

    private static void count(Map<Object, AtomicLong> answers, Object status) {
        answers.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
    }

    private static Map<Object, Long> plain(Map<Object, AtomicLong> answers) {
        return answers.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().get()));
    }

    /** The states a resource may store after these PUTs: the last acknowledged one, and any answered 503 after it. */
    private static Set<String> possibleOutcomes(List<String[]> puts) {
        Set<String> possible = new java.util.HashSet<>();
        for (String[] put : puts) {
            if (put[1].equals("202")) {
                possible.clear();
                possible.add(put[0]);
            } else if (put[1].equals("503")) {
                possible.add(put[0]);
            }
        }
        return possible;
    }

    private static void assertProblemWithRetryAfter(HttpResponse<String> response) {
        assertEquals(503, response.statusCode(), response.body());
        assertEquals("application/problem+json", response.headers().firstValue("Content-Type").orElse(""));
        assertTrue(response.body().contains("\"status\":503"), response.body());
        assertTrue(response.headers().firstValue("Retry-After").orElse("").matches("\\d+"), response.headers().toString());
    }

    /** Polls readiness every 50 ms while the drill runs: how often it reported DOWN, and when it was ready again. */
    private static final class ReadinessWatch implements java.util.concurrent.Callable<Void> {
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicLong downSeen = new AtomicLong();
        private final ConcurrentLinkedQueue<Long> readyAt = new ConcurrentLinkedQueue<>();

        @Override
        public Void call() throws Exception {
            while (!stopped.get()) {
                int status = answer(() -> apiserver.send("GET", "/q/health/ready", null)).status instanceof Integer s ? s : -1;
                if (status == 200) {
                    readyAt.add(System.nanoTime());
                } else {
                    downSeen.incrementAndGet();
                }
                Thread.sleep(50);
            }
            return null;
        }

        /** The first moment readiness answered 200 after {@code after}; 0 if not within {@link #READY_WITHIN}. */
        long awaitReadyAfter(long after) throws InterruptedException {
            long deadline = after + READY_WITHIN.toNanos();
            while (System.nanoTime() < deadline) {
                for (long at : readyAt) {
                    if (at >= after) {
                        return at;
                    }
                }
                Thread.sleep(20);
            }
            return 0;
        }

        void stop() {
            stopped.set(true);
        }
    }

    /** Polls readiness until it answers {@code status}; the moment it did. */
    private static long awaitReadiness(int status) throws Exception {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        while (System.nanoTime() < deadline) {
            if (answer(() -> apiserver.send("GET", "/q/health/ready", null)).status.equals(status)) {
                return System.nanoTime();
            }
            Thread.sleep(50);
        }
        throw new AssertionError("readiness did not answer " + status + " within " + READY_WITHIN.toSeconds() + " s");
    }

    /** Nothing in the apiserver's log since {@code from} (a byte offset) is an ERROR: a lost connection is expected here. */
    private static void assertNoErrorLogged(long from) throws Exception {
        byte[] log = Files.readAllBytes(apiserver.log());
        String since = new String(log, (int) from, log.length - (int) from, java.nio.charset.StandardCharsets.UTF_8);
        List<String> errors = since.lines().filter(line -> line.matches("^\\S+ \\S+ ERROR .*")).toList();
        assertEquals(List.of(), errors, "see " + apiserver.log());
    }

    private static long millis(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }

    private static String body(String name) {
        return """
                {"name": "%s",
                 "host": [{"ip": "127.0.0.2", "auth": [{"username": "paas", "password": "pw-drill"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh"}}
                """.formatted(name);
    }
}
