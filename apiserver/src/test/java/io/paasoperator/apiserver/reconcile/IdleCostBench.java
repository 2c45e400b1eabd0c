package io.paasoperator.apiserver.reconcile;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.itsupport.ProcessUsage;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What an idle, converged estate costs in CPU: {@code ./mvnw -B verify -Pbench -pl apiserver -Dit.test=IdleCostBench}.
 * One packaged apiserver (reconciler on, default settings, no agents) on a PostgreSQL of its own; the CPU time of the
 * apiserver process and of every process of that PostgreSQL cluster over an idle minute, first with no resources, then
 * with 10,000 created through the API as not-installed/not-installed (converged: nothing is ever due for them).
 * Prints the figures; the claim to compare them with is "10,000 resources idle: at most 2 % of one core".
 */
class IdleCostBench {

    private static final int RESOURCES = 10_000;
    private static final int CONCURRENT_CREATES = 16;
    /** After start-up or the creates: JIT compilation, the passes the creates woke, connection pools filling. */
    private static final Duration SETTLE = Duration.ofSeconds(15);
    private static final Duration IDLE = Duration.ofSeconds(60);

    @Test
    void idleCpuEmptyThenTenThousandResources() throws Exception {
        Path work = Files.createDirectories(
                Path.of("target").toAbsolutePath().resolve("idle-cost-bench-" + ProcessHandle.current().pid()));
        Path databaseDir = work.resolve("postgres");
        try {
            measureEmptyThenFull(work, databaseDir);
        } finally {
            // An apiserver that never became ready is not handed back by ApiserverProcess.start, so not closed by it.
            ProcessHandle.current().children().filter(IdleCostBench::isApiserver).forEach(ProcessHandle::destroyForcibly);
        }
    }

    private static void measureEmptyThenFull(Path work, Path databaseDir) throws Exception {
        try (LocalPostgres database = LocalPostgres.start(databaseDir);
                ApiserverProcess apiserver = ApiserverProcess.start(work.resolve("apiserver"), ApiserverProcess.freePort(),
                        ApiserverProcess.externalDatabase(database), "idle-cost-bench-apiserver.log");
                Connection sql = DriverManager.getConnection(
                        database.datasourceSettings().get("quarkus.datasource.jdbc.url"), "postgres",
                        database.datasourceSettings().get("quarkus.datasource.password"))) {
            long apiserverPid = apiserverPid();
            long postmasterPid = Long.parseLong(Files.readAllLines(databaseDir.resolve("postmaster.pid")).get(0).trim());

            Thread.sleep(SETTLE.toMillis());
            Idle empty = measureIdle(apiserverPid, postmasterPid, sql);

            Instant createStart = Instant.now();
            Instant[] thousands = createConverged(apiserver);
            Instant createEnd = Instant.now();
            Duration creating = Duration.between(createStart, createEnd);
            System.out.printf("%ncreated %d resources with %d requests at a time in %.1f s: %.0f creates/s"
                            + " (the first 1,000: %.0f/s, the last 1,000: %.0f/s)%n", RESOURCES, CONCURRENT_CREATES,
                    creating.toMillis() / 1000.0, RESOURCES * 1000.0 / creating.toMillis(),
                    1000 * 1000.0 / Duration.between(createStart, thousands[0]).toMillis(),
                    1000 * 1000.0 / Duration.between(thousands[1], createEnd).toMillis());
            awaitNothingDue(sql);
            // The bulk load leaves one-off work (autovacuum and analyze of the new rows, a checkpoint of the dirty pages)
            // that an estate idling for days has long done: do it now, so the minute measured is the steady state.
            execute(sql, "vacuum analyze");
            execute(sql, "checkpoint");
            Thread.sleep(SETTLE.toMillis());
            Idle full = measureIdle(apiserverPid, postmasterPid, sql);

            System.out.printf("%nIdle CPU over %d s, as %% of one core (%d cores here):%n", IDLE.toSeconds(),
                    Runtime.getRuntime().availableProcessors());
            empty.print("0 resources");
            full.print(RESOURCES + " resources");
            System.out.printf("(%d resources in the table, %d with a due time)%n%n",
                    count(sql, "select count(*) from resource"), count(sql, "select count(*) from resource where due_at is not null"));
        }
    }

    /**
     * Creates the resources, half databases and half middlewares, a bounded number of requests at a time. Answers when
     * the first 1,000 were done and when the last 1,000 began: whether a create costs more as the estate grows.
     */
    private static Instant[] createConverged(ApiserverProcess apiserver) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(CONCURRENT_CREATES);
        AtomicInteger created = new AtomicInteger();
        Instant[] thousands = new Instant[2];
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int sender = 0; sender < CONCURRENT_CREATES; sender++) {
                int first = sender;
                sent.add(senders.submit(() -> {
                    for (int i = first; i < RESOURCES; i += CONCURRENT_CREATES) {
                        String kind = i % 2 == 0 ? "database" : "middleware";
                        String body = Seeds.minimalBody("idle-" + i, "not-installed", "not-installed");
                        HttpResponse<String> answer = apiserver.send("POST", "/apis/v1alpha1/" + kind + "/create", body);
                        if (answer.statusCode() != 201) {
                            throw new AssertionError("create " + kind + "/idle-" + i + ": " + answer.statusCode() + " " + answer.body());
                        }
                        int done = created.incrementAndGet();
                        if (done == 1000 || done == RESOURCES - 1000) {
                            thousands[done == 1000 ? 0 : 1] = Instant.now();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> each : sent) {
                each.get(); // also makes the senders' writes to thousands visible here
            }
            return thousands;
        } finally {
            senders.shutdownNow();
        }
    }

    /** Each create wakes a pass; they are done when no resource is due any more (its pass cleared the time). */
    private static void awaitNothingDue(Connection sql) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofMinutes(2));
        long due;
        while ((due = count(sql, "select count(*) from resource where due_at <= now()")) > 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError(due + " resources still due 2 minutes after the creates");
            }
            Thread.sleep(500);
        }
    }

    private static Idle measureIdle(long apiserverPid, long postmasterPid, Connection sql) throws Exception {
        Counters dbBefore = Counters.read(sql);
        long apiserverBefore = ProcessUsage.ticks(apiserverPid);
        Map<String, Long> threadsBefore = ProcessUsage.ticksByThreadName(apiserverPid);
        long postgresBefore = ProcessUsage.postgresTicks(postmasterPid);
        long[] machineBefore = ProcessUsage.machineTicks();
        Thread.sleep(IDLE.toMillis());
        long apiserverAfter = ProcessUsage.ticks(apiserverPid);
        Map<String, Long> busiestThreads = new HashMap<>(ProcessUsage.ticksByThreadName(apiserverPid));
        threadsBefore.forEach((name, ticks) -> busiestThreads.merge(name, -ticks, Long::sum));
        long postgresAfter = ProcessUsage.postgresTicks(postmasterPid);
        long[] machineAfter = ProcessUsage.machineTicks();
        Counters dbAfter = Counters.read(sql);
        return new Idle(percentOfCore(apiserverAfter - apiserverBefore), percentOfCore(postgresAfter - postgresBefore),
                100.0 * (machineAfter[0] - machineBefore[0]) / Math.max(1, machineAfter[1] - machineBefore[1]),
                dbAfter.minus(dbBefore), busiestThreads);
    }

    private static double percentOfCore(long ticks) {
        return 100.0 * ticks / ProcessUsage.CLOCK_TICKS_PER_SECOND / IDLE.toSeconds();
    }

    /** The apiserver is the one child of this JVM running the packaged jar (ApiserverProcess keeps its Process to itself). */
    private static long apiserverPid() {
        return ProcessHandle.current().children().filter(IdleCostBench::isApiserver).findFirst()
                .orElseThrow(() -> new AssertionError("no apiserver process among this JVM's children")).pid();
    }

    private static boolean isApiserver(ProcessHandle process) {
        return process.info().commandLine().orElse("").contains(ApiserverProcess.JAR.toAbsolutePath().toString());
    }

    private static long count(Connection sql, String query) throws SQLException {
        try (Statement statement = sql.createStatement(); ResultSet rows = statement.executeQuery(query)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    private static void execute(Connection sql, String command) throws SQLException {
        try (Statement statement = sql.createStatement()) {
            statement.execute(command);
        }
    }

    /**
     * What PostgreSQL saw: transactions in the database (each due poll is one, the state counts for the gauges are one
     * every 30 s, and this bench's own read one), scans of the resource table (the planner's look at the due index's
     * ends counts as one too) and rows of it updated (a due poll that finds nothing updates none). Backends report
     * these at most once a second, so the figures over a minute are close, not exact.
     */
    private record Counters(long transactions, long resourceScans, long resourceRowsUpdated) {

        static Counters read(Connection sql) throws SQLException {
            try (Statement statement = sql.createStatement(); ResultSet rows = statement.executeQuery(
                    "select (select xact_commit + xact_rollback from pg_stat_database where datname = current_database()),"
                            + " coalesce(seq_scan, 0) + coalesce(idx_scan, 0), n_tup_upd"
                            + " from pg_stat_user_tables where relname = 'resource'")) {
                rows.next();
                return new Counters(rows.getLong(1), rows.getLong(2), rows.getLong(3));
            }
        }

        Counters minus(Counters before) {
            return new Counters(transactions - before.transactions, resourceScans - before.resourceScans,
                    resourceRowsUpdated - before.resourceRowsUpdated);
        }
    }

    private record Idle(double apiserverPercent, double postgresPercent, double machinePercent, Counters database,
            Map<String, Long> apiserverThreads) {

        void print(String estate) {
            System.out.printf("  %-16s apiserver %5.2f %%, PostgreSQL %5.2f %%, total %5.2f %% of one core"
                            + "  | database: %d transactions (so about %d due polls), %d scans of resource, %d rows updated"
                            + "  | whole machine busy %.1f %% of all cores%n",
                    estate + ":", apiserverPercent, postgresPercent, apiserverPercent + postgresPercent,
                    database.transactions, database.transactions - IDLE.dividedBy(Reconciler.GAUGE_REFRESH) - 1,
                    database.resourceScans, database.resourceRowsUpdated,
                    machinePercent);
            System.out.printf("  %-16s apiserver's busiest threads: %s%n", "", apiserverThreads.entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(5)
                    .map(t -> String.format("%s %.2f %%", t.getKey(), percentOfCore(t.getValue())))
                    .collect(Collectors.joining(", ")));
        }
    }
}
