package io.paasoperator.bench;

import io.paasoperator.itsupport.ProcessUsage;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.paasoperator.itsupport.PackagedApiserver;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import java.util.stream.Collectors;

/**
 * The fleet benchmark: the packaged apiserver (zero configuration: its own embedded PostgreSQL) against a
 * {@link FleetSimulator} of {@code hosts} registered agents with {@code resourcesPerHost} resources each. Measures the
 * time until every resource is running, then the CPU of the apiserver and of every PostgreSQL process while every
 * application reports each interval, then while nothing reports, and their memory; prints one table
 * (docs/benchmarks.md). Settings are system properties, {@code fleet.*} ({@link Settings#fromSystemProperties}).
 */
public final class FleetBenchmark {

    /** How long after a list the watch is given to have shown what the list showed. */
    private static final Duration WATCH_LAG = Duration.ofSeconds(5);
    /** The apiserver's count of reconcile passes run. */
    private static final String PASSES = "paas_reconcile_passes_total";

    /**
     * @param hosts simulated hosts ({@code fleet.hosts}, 2000)
     * @param resourcesPerHost resources on each host ({@code fleet.resources-per-host}, 5)
     * @param reportInterval between two reports of an application ({@code fleet.report-interval}, seconds, 10)
     * @param reportMode batch (one report per host, as real agents send) or per-app (the seed's route; {@code
     *     fleet.report-mode}, batch)
     * @param actionDuration of each simulated action ({@code fleet.action-ms}, 1000)
     * @param createConcurrency creates in flight at once ({@code fleet.create-concurrency}, 16)
     * @param steady the steady-state window ({@code fleet.steady}, seconds, 60)
     * @param idle the window without reports ({@code fleet.idle}, seconds, 30)
     * @param convergeTimeout how long all may take to be running before the run fails ({@code fleet.converge-timeout},
     *     seconds, 600)
     * @param apiserverAddress the loopback address the apiserver listens on ({@code fleet.apiserver-address}, 127.0.0.220)
     * @param addressBlock the third octet of the first simulated host (127.1.{block}.1; {@code fleet.address-block}, 0)
     */
    public record Settings(int hosts, int resourcesPerHost, Duration reportInterval, FleetSimulator.ReportMode reportMode,
            Duration actionDuration, int createConcurrency, Duration steady, Duration idle, Duration convergeTimeout,
            String apiserverAddress, int addressBlock) {

        public static Settings fromSystemProperties() {
            return new Settings(integer("fleet.hosts", 2000), integer("fleet.resources-per-host", 5),
                    Duration.ofSeconds(integer("fleet.report-interval", 10)),
                    WireValue.require(FleetSimulator.ReportMode.class, System.getProperty("fleet.report-mode", "batch")),
                    Duration.ofMillis(integer("fleet.action-ms", 1000)), integer("fleet.create-concurrency", 16),
                    Duration.ofSeconds(integer("fleet.steady", 60)), Duration.ofSeconds(integer("fleet.idle", 30)),
                    Duration.ofSeconds(integer("fleet.converge-timeout", 600)),
                    System.getProperty("fleet.apiserver-address", "127.0.0.220"), integer("fleet.address-block", 0));
        }

        private static int integer(String property, int fallback) {
            return Integer.parseInt(System.getProperty(property, String.valueOf(fallback)));
        }

        int resources() {
            return hosts * resourcesPerHost;
        }
    }

    /** The figures of one run, as printed. CPU in % of one core over its window; memory in MB. */
    public record Result(Settings settings, double registerSeconds, double createSeconds, double allRunningSeconds,
            CpuEach convergeCpu, double convergePasses, String convergeThreads,
            long steadyReportsTaken, long steadyReportsRefused, long steadyReportsUnanswered, long verdictsIgnored,
            long reportP50Ms, long reportP99Ms, double steadyApiserverCpu, double steadyPostgresCpu, double steadyMachineBusy,
            String steadyBusiestThreads, int runningAfterSteady, double idleApiserverCpu, double idlePostgresCpu,
            double idleMachineBusy, double apiserverRssMb, double postgresRssMb, double postgresPssMb, long actions,
            long failedActions, long resultsNotDelivered, long resultsDeferred, long reportsDeferred, String loadBefore,
            String loadAfter) {

        public String table() {
            Settings s = settings;
            StringBuilder out = new StringBuilder();
            out.append(String.format("%nFleet benchmark: %d hosts x %d = %d resources, reports %s every %d s, actions %d ms;"
                            + " %d cores, load average %s before, %s after%n", s.hosts, s.resourcesPerHost, s.resources(),
                    s.reportMode.wire(), s.reportInterval.toSeconds(), s.actionDuration.toMillis(),
                    Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter));
            out.append(String.format("apiserver JVM options (JAVA_OPTS or the launch scripts'): %s%n",
                    String.join(" ", PackagedApiserver.jvmOptions())));
            out.append(String.format("| %-58s | %-44s | %-8s |%n", "measure", "figure", "target"));
            out.append(String.format("|%s|%s|%s|%n", "-".repeat(60), "-".repeat(46), "-".repeat(10)));
            row(out, "register " + s.hosts + " hosts (PUT /hosts/{ip})", seconds(registerSeconds), "");
            row(out, "create " + s.resources() + " resources, " + s.createConcurrency + " at a time",
                    seconds(createSeconds) + String.format(" (%.0f/s)", s.resources() / createSeconds), "");
            row(out, "all running, from the first create", seconds(allRunningSeconds), "< 60 s");
            // On a shared machine the CPU a resource costs on its way to running is steadier than the time it takes.
            row(out, "CPU ms per resource to running: apiserver + PostgreSQL", String.format("%.1f + %.1f = %.1f",
                    convergeCpu.apiserverMs, convergeCpu.postgresMs, convergeCpu.apiserverMs + convergeCpu.postgresMs), "");
            row(out, "CPU ms per resource to running: the simulator and clients", String.format("%.1f", convergeCpu.benchmarkMs), "");
            row(out, "reconcile passes per resource to running", String.format("%.1f", convergePasses), "");
            row(out, "actions run / failed / results not delivered", actions + " / " + failedActions + " / "
                    + resultsNotDelivered, "");
            row(out, "results / reports sent again after Retry-After", resultsDeferred + " / " + reportsDeferred, "");
            long steadySeconds = s.steady.toSeconds();
            row(out, "steady " + steadySeconds + " s: reports taken / refused / unanswered", steadyReportsTaken + " / "
                    + steadyReportsRefused + " / " + steadyReportsUnanswered, "");
            row(out, "steady: verdicts the apiserver ignored (batch)", String.valueOf(verdictsIgnored), "");
            row(out, "steady: reports/s, answer p50 / p99", String.format("%.0f/s, %d / %d ms",
                    (double) steadyReportsTaken / steadySeconds, reportP50Ms, reportP99Ms), "");
            row(out, "steady: apiserver CPU (% of one core)", percent(steadyApiserverCpu), "");
            row(out, "steady: PostgreSQL CPU (all its processes)", percent(steadyPostgresCpu), "");
            row(out, "steady: apiserver + PostgreSQL CPU", percent(steadyApiserverCpu + steadyPostgresCpu), "< 50 %");
            row(out, "steady: whole machine busy (% of all cores)", percent(steadyMachineBusy), "");
            row(out, "steady: resources still running at its end", runningAfterSteady + " of " + s.resources(), "");
            row(out, "idle " + s.idle.toSeconds() + " s, no reports: apiserver + PostgreSQL CPU",
                    percent(idleApiserverCpu + idlePostgresCpu) + String.format(" (%.2f + %.2f)", idleApiserverCpu,
                            idlePostgresCpu), "< 2 %");
            row(out, "idle: whole machine busy (% of all cores)", percent(idleMachineBusy), "");
            row(out, "apiserver RSS (end of steady)", String.format("%.0f MB", apiserverRssMb), "< 300 MB");
            row(out, "PostgreSQL memory: sum of RSS / sum of PSS", String.format("%.0f MB / %.0f MB", postgresRssMb,
                    postgresPssMb), "");
            out.append(String.format("to running: the apiserver's busiest threads: %s%n", convergeThreads));
            out.append(String.format("steady: the apiserver's busiest threads: %s%n", steadyBusiestThreads));
            return out.toString();
        }

        private static void row(StringBuilder out, String measure, String figure, String target) {
            out.append(String.format("| %-58s | %-44s | %-8s |%n", measure, figure, target));
        }

        private static String seconds(double value) {
            return String.format("%.1f s", value);
        }

        private static String percent(double value) {
            return String.format("%.1f %%", value);
        }
    }

    private FleetBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        System.out.println(run(Settings.fromSystemProperties()).table());
    }

    public static Result run(Settings settings) throws Exception {
        String loadBefore = ProcessUsage.loadAverage();
        // Report silence is set past the idle window: "idle" measures an estate where nothing happens, not the probes
        // that silent agents would rightly cause (30 s by default).
        Map<String, String> apiserverSettings = Map.of("QUARKUS_HTTP_HOST", settings.apiserverAddress(),
                "OPERATOR_IP", settings.apiserverAddress(), "PAAS_RECONCILE_REPORT_SILENCE", "1h");
        FleetSimulator.Settings fleetSettings = FleetSimulator.Settings.of(settings.hosts(), settings.addressBlock())
                .withActionDuration(settings.actionDuration()).withReportInterval(settings.reportInterval())
                .withReportMode(settings.reportMode());
        try (PackagedApiserver apiserver = PackagedApiserver.start("fleet-bench-apiserver.log", apiserverSettings);
                FleetSimulator fleet = FleetSimulator.start(fleetSettings)) {
            long apiserverPid = apiserver.pid();
            long postmasterPid = apiserver.postgres().orElseThrow(() -> new IllegalStateException(
                    "no embedded PostgreSQL found for the apiserver; see " + apiserver.log)).pid();
            FleetApi api = new FleetApi(apiserver.baseUrl(), apiserver.token);
            List<String> ips = fleet.ips();
            int agentPort = fleetSettings.agentPort();

            long registerStart = System.nanoTime();
            inParallel(settings.createConcurrency(), ips.size(), i -> {
                HttpResponse<String> registered = api.register(ips.get(i), agentPort, fleet.secret(ips.get(i)));
                expect(200, registered, "register " + ips.get(i));
            });
            double registerSeconds = since(registerStart);

            double createSeconds;
            double allRunningSeconds;
            CpuEach convergeCpu;
            double convergePasses;
            String convergeThreads;
            try (FleetApi.RunningWatch watch = api.watchRunning()) {
                long createStart = System.nanoTime();
                CpuSince cpuAtCreate = CpuSince.now(apiserverPid, postmasterPid);
                double passesAtCreate = api.metric(PASSES);
                AtomicInteger created = new AtomicInteger();
                FleetSimulator.Stats counts = fleet.stats();
                Thread progress = progress(() -> String.format("%.0f s: %d created, %d running; the fleet: %d actions"
                                + " (%d failed), %d results delivered (%d told to wait), %d reports taken, %d refused,"
                                + " %d told to wait, %d unanswered",
                        since(createStart), created.get(), watch.running(), counts.actions.sum(), counts.failedActions.sum(),
                        counts.resultsDelivered.sum(), counts.resultsDeferred.sum(), counts.reportsTaken.sum(),
                        counts.reportsRefused.sum(), counts.reportsDeferred.sum(), counts.reportsUnanswered.sum()));
                try {
                    inParallel(settings.createConcurrency(), settings.resources(), i -> {
                        String ip = ips.get(i / settings.resourcesPerHost());
                        HttpResponse<String> answer = api.createRunning(kindOf(i), "fleet-" + i, ip, agentPort,
                                settings.reportInterval());
                        expect(201, answer, "create fleet-" + i);
                        created.incrementAndGet();
                    });
                    createSeconds = since(createStart);
                    long deadline = createStart + settings.convergeTimeout().toNanos();
                    long listedAt = System.nanoTime();
                    while (watch.running() < settings.resources()) {
                        if (System.nanoTime() > deadline) {
                            throw new AssertionError(watch.running() + " of " + settings.resources() + " seen running after "
                                    + settings.convergeTimeout().toSeconds() + " s; by state now: " + byState(api)
                                    + "; some that are not: " + notRunning(api, watch) + "; see " + apiserver.log);
                        }
                        // The watch is the clock; a list now and then tells whether it missed a change (an apiserver bug).
                        if (System.nanoTime() - listedAt > Duration.ofSeconds(30).toNanos()) {
                            listedAt = System.nanoTime();
                            reportMissedByWatch(api, watch);
                        }
                        Thread.sleep(100);
                    }
                    allRunningSeconds = since(createStart);
                    convergeCpu = cpuAtCreate.each(settings.resources());
                    convergeThreads = cpuAtCreate.busiestThreads();
                    convergePasses = (api.metric(PASSES) - passesAtCreate) / settings.resources();
                } finally {
                    progress.interrupt();
                }
            }

            // One interval and a bit for the reports' rhythm to settle after the roll-out, then the steady window.
            Thread.sleep(settings.reportInterval().plusSeconds(5).toMillis());
            FleetSimulator.Stats stats = fleet.stats();
            long takenBefore = stats.reportsTaken.sum();
            long refusedBefore = stats.reportsRefused.sum();
            long unansweredBefore = stats.reportsUnanswered.sum();
            long ignoredBefore = stats.verdictsIgnored.sum();
            stats.resetReportLatency();
            Window steady = Window.measure(settings.steady(), apiserverPid, postmasterPid);
            long taken = stats.reportsTaken.sum() - takenBefore;
            long refused = stats.reportsRefused.sum() - refusedBefore;
            long unanswered = stats.reportsUnanswered.sum() - unansweredBefore;
            long p50 = stats.reportLatencyMillis(0.5);
            long p99 = stats.reportLatencyMillis(0.99);
            double apiserverRssMb = ProcessUsage.rssKb(apiserverPid) / 1024.0;
            long[] postgresMemory = ProcessUsage.postgresMemoryKb(postmasterPid);
            int stillRunning = 0;
            for (ResourceKind kind : ResourceKind.values()) {
                stillRunning += api.count(kind, "running");
            }
            if (refused > 0) {
                System.err.println("the apiserver refused reports; the last refusal: " + stats.lastRefusal);
            }

            fleet.reporting(false);
            Thread.sleep(2000); // reports in flight are answered
            Window idle = Window.measure(settings.idle(), apiserverPid, postmasterPid);

            return new Result(settings, registerSeconds, createSeconds, allRunningSeconds, convergeCpu, convergePasses,
                    convergeThreads, taken, refused, unanswered,
                    stats.verdictsIgnored.sum() - ignoredBefore, p50, p99, steady.apiserverCpu, steady.postgresCpu,
                    steady.machineBusy, steady.busiestThreads,
                    stillRunning, idle.apiserverCpu, idle.postgresCpu, idle.machineBusy, apiserverRssMb,
                    postgresMemory[0] / 1024.0, postgresMemory[1] / 1024.0, stats.actions.sum(), stats.failedActions.sum(),
                    stats.resultsNotDelivered.sum(), stats.resultsDeferred.sum(), stats.reportsDeferred.sum(), loadBefore,
                    ProcessUsage.loadAverage());
        }
    }

    /** Prints where a long phase stands every 10 s, on stderr, until interrupted. */
    private static Thread progress(java.util.function.Supplier<String> status) {
        Thread printer = new Thread(() -> {
            try {
                while (true) {
                    Thread.sleep(10_000);
                    System.err.println("fleet benchmark: " + status.get());
                }
            } catch (InterruptedException done) {
                Thread.currentThread().interrupt();
            }
        }, "progress");
        printer.setDaemon(true);
        printer.start();
        return printer;
    }

    /** How many resources are in each realtime state now, e.g. {running=9990, installing=10}. */
    private static Map<String, Integer> byState(FleetApi api) {
        Map<String, Integer> states = new java.util.TreeMap<>();
        for (RealtimeState state : RealtimeState.values()) {
            int count = 0;
            for (ResourceKind kind : ResourceKind.values()) {
                count += api.count(kind, state.wire());
            }
            if (count > 0) {
                states.put(state.wire(), count);
            }
        }
        return states;
    }

    /** The host states of a few resources not seen running: what they wait for. */
    private static List<String> notRunning(FleetApi api, FleetApi.RunningWatch watch) {
        List<String> states = new ArrayList<>();
        for (int i = 0; i < Integer.MAX_VALUE && states.size() < 3; i += 997) {
            String name = "fleet-" + i;
            if (api.send("GET", "/" + kindOf(i).wire() + "/" + name, null).statusCode() != 200) {
                break;
            }
            if (!watch.sawRunning(kindOf(i), name)) {
                states.add(name + ": " + api.get("/" + kindOf(i).wire() + "/" + name).at("/detail/hosts/0"));
            }
        }
        return states;
    }

    /**
     * Running resources that the watch has not shown running, a while after the list showed them: the watch trails a
     * list by the time its events take to arrive (seconds under this load), so only what is still missing then counts.
     */
    private static void reportMissedByWatch(FleetApi api, FleetApi.RunningWatch watch) throws InterruptedException {
        Map<ResourceKind, List<String>> listed = new java.util.EnumMap<>(ResourceKind.class);
        for (ResourceKind kind : ResourceKind.values()) {
            listed.put(kind, api.names(kind, "running"));
        }
        Thread.sleep(WATCH_LAG.toMillis());
        for (ResourceKind kind : ResourceKind.values()) {
            List<String> missed = listed.get(kind).stream().filter(name -> !watch.sawRunning(kind, name)).toList();
            if (!missed.isEmpty()) {
                System.err.printf("the watch of %s (realtime=running) sent no event for %d resources listed running %d s"
                        + " before: %s%n", kind.wire(), missed.size(), WATCH_LAG.toSeconds(), missed.subList(0, Math.min(10, missed.size())));
            }
        }
    }

    /** Half the resources are databases, half middlewares: both kinds' paths are exercised. */
    static ResourceKind kindOf(int index) {
        return index % 2 == 0 ? ResourceKind.DATABASE : ResourceKind.MIDDLEWARE;
    }

    /** CPU of the apiserver and of the PostgreSQL cluster over a window, in % of one core, and where the apiserver spent it. */
    private record Window(double apiserverCpu, double postgresCpu, double machineBusy, String busiestThreads) {

        static Window measure(Duration length, long apiserverPid, long postmasterPid) throws InterruptedException {
            CpuSince since = CpuSince.now(apiserverPid, postmasterPid);
            Thread.sleep(length.toMillis());
            return since.window();
        }

        private static double percentOfCore(long ticks, double seconds) {
            return 100.0 * ticks / ProcessUsage.CLOCK_TICKS_PER_SECOND / seconds;
        }
    }

    /**
     * The CPU counters of the apiserver, the PostgreSQL cluster, this benchmark's JVM (the simulated fleet and the API's
     * clients) and the machine at one moment, to tell what each spent since.
     */
    private record CpuSince(long apiserverPid, long postmasterPid, long startNanos, long apiserver, long postgres, long benchmark,
            Map<String, Long> threads, long[] machine) {

        static CpuSince now(long apiserverPid, long postmasterPid) {
            return new CpuSince(apiserverPid, postmasterPid, System.nanoTime(), ProcessUsage.ticks(apiserverPid),
                    ProcessUsage.postgresTicks(postmasterPid), ProcessUsage.ticks(ProcessHandle.current().pid()),
                    ProcessUsage.ticksByThreadName(apiserverPid), ProcessUsage.machineTicks());
        }

        Window window() {
            double seconds = since(startNanos);
            long[] machineAfter = ProcessUsage.machineTicks();
            return new Window(Window.percentOfCore(ProcessUsage.ticks(apiserverPid) - apiserver, seconds),
                    Window.percentOfCore(ProcessUsage.postgresTicks(postmasterPid) - postgres, seconds),
                    100.0 * (machineAfter[0] - machine[0]) / Math.max(1, machineAfter[1] - machine[1]), busiestThreads());
        }

        /** The apiserver's six busiest threads since (by name, numbered ones summed), in % of one core. */
        String busiestThreads() {
            double seconds = since(startNanos);
            Map<String, Long> byThread = ProcessUsage.ticksByThreadName(apiserverPid);
            threads.forEach((name, ticks) -> byThread.merge(name, -ticks, Long::sum));
            return byThread.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                    .limit(6).map(t -> String.format("%s %.1f %%", t.getKey(), Window.percentOfCore(t.getValue(), seconds)))
                    .collect(Collectors.joining(", "));
        }

        /** The CPU spent since, per one of {@code count} things done. */
        CpuEach each(int count) {
            double perTick = 1000.0 / ProcessUsage.CLOCK_TICKS_PER_SECOND / count;
            return new CpuEach((ProcessUsage.ticks(apiserverPid) - apiserver) * perTick,
                    (ProcessUsage.postgresTicks(postmasterPid) - postgres) * perTick,
                    (ProcessUsage.ticks(ProcessHandle.current().pid()) - benchmark) * perTick);
        }
    }

    /** CPU milliseconds per thing done: by the apiserver, the PostgreSQL cluster, and this benchmark's JVM. */
    public record CpuEach(double apiserverMs, double postgresMs, double benchmarkMs) {
    }

    /** Runs {@code task} for 0 to count-1, {@code concurrency} at a time; the first failure fails the whole. */
    static void inParallel(int concurrency, int count, IntConsumer task) throws Exception {
        ExecutorService senders = Executors.newFixedThreadPool(concurrency);
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> sent = new ArrayList<>();
            for (int sender = 0; sender < concurrency; sender++) {
                sent.add(senders.submit(() -> {
                    for (int i = next.getAndIncrement(); i < count; i = next.getAndIncrement()) {
                        task.accept(i);
                    }
                    return null;
                }));
            }
            for (Future<?> each : sent) {
                each.get();
            }
        } finally {
            senders.shutdownNow();
        }
    }

    static void expect(int status, HttpResponse<String> answer, String what) {
        if (answer.statusCode() != status) {
            throw new AssertionError(what + ": " + answer.statusCode() + " " + answer.body());
        }
    }

    private static double since(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }
}
