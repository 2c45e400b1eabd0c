package io.paasoperator.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AgentVersion;
import io.paasoperator.contract.HostReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.RetryAfter;
import io.paasoperator.contract.SeedJson;
import io.paasoperator.contract.WireValue;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.client.WebClientOptions;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * One process answering the agent API (docs/agent-and-scripts.md) for thousands of hosts: one HTTP server per simulated
 * host address (127.1.x.y), each host with a secret of its own. Actions take {@link Settings#actionDuration} and fail
 * with the host's failure rate; their results are pushed to the apiserver as the real agent pushes them, and every
 * installed application's verdict is reported every {@link Settings#reportInterval}, per application (the seed's
 * {@code PUT …/{kind}/{name}/check}) or per host ({@code PUT /apis/v1alpha1/hosts/{ip}/report}), and at once when it
 * changes. Secrets are generated here and leave only as bearer tokens (and through {@link #secret} for registration):
 * never logged, printed or on a command line.
 */
public final class FleetSimulator implements AutoCloseable {

    /** How a host reports its applications' health. */
    public enum ReportMode implements WireValue {
        /** One {@code PUT …/{kind}/{name}/check} per application (the seed's route). */
        PER_APP,
        /** One {@code PUT /apis/v1alpha1/hosts/{ip}/report} per host carrying every verdict. */
        BATCH
    }

    /**
     * @param hosts how many hosts to simulate
     * @param addressBlock the third octet of the first host's address: hosts are 127.1.{block}.1 to .250, then the
     *     next block
     * @param agentPort the port every host's agent listens on
     * @param actionDuration how long each install, start, stop, restart or uninstall takes
     * @param failureRate the share of actions that fail (0 to 1), for every host unless set per host
     * @param reportInterval how often every installed application's verdict is reported
     * @param reportMode per application or per host
     * @param reportConnections connections to the apiserver for reports and results, shared by all hosts
     * @param pushResults whether actions' results are pushed to the apiserver (off: as if every push were lost, the
     *     apiserver learns them only by asking)
     */
    public record Settings(int hosts, int addressBlock, int agentPort, Duration actionDuration, double failureRate,
            Duration reportInterval, ReportMode reportMode, int reportConnections, boolean pushResults) {

        public Settings {
            if (hosts < 1 || hosts > 250 * (256 - addressBlock)) {
                throw new IllegalArgumentException("hosts must be 1 to " + 250 * (256 - addressBlock) + " from block "
                        + addressBlock + ": " + hosts);
            }
            if (failureRate < 0 || failureRate > 1) {
                throw new IllegalArgumentException("failure rate must be 0 to 1: " + failureRate);
            }
        }

        public static Settings of(int hosts, int addressBlock) {
            // A connection per host as real agents have, up to 1000: a small shared pool would queue one host's
            // results behind other hosts' reports, which real agents do not do.
            return new Settings(hosts, addressBlock, 3335, Duration.ofSeconds(1), 0, Duration.ofSeconds(10),
                    ReportMode.BATCH, Math.min(hosts, 1000), true);
        }

        public Settings withActionDuration(Duration duration) {
            return new Settings(hosts, addressBlock, agentPort, duration, failureRate, reportInterval, reportMode, reportConnections,
                    pushResults);
        }

        public Settings withReportInterval(Duration interval) {
            return new Settings(hosts, addressBlock, agentPort, actionDuration, failureRate, interval, reportMode, reportConnections,
                    pushResults);
        }

        public Settings withReportMode(ReportMode mode) {
            return new Settings(hosts, addressBlock, agentPort, actionDuration, failureRate, reportInterval, mode, reportConnections,
                    pushResults);
        }

        public Settings withResultsPushed(boolean push) {
            return new Settings(hosts, addressBlock, agentPort, actionDuration, failureRate, reportInterval, reportMode,
                    reportConnections, push);
        }
    }

    static final String RELEASE = release();
    /** What /version answers: the build names the simulator, which a registered agent may have (only releases count). */
    private static final String BUILD = "fleet-simulator";
    /**
     * As the real agent (ActionService): 8 attempts, backing off from 0.5 s to at most 30 s, 5 s each; a Retry-After is
     * waited for, and is no failed attempt, for up to 10 minutes.
     */
    private static final int RESULT_DELIVERY_ATTEMPTS = 8;
    private static final Duration RESULT_DELIVERY_MAX_BACKOFF = Duration.ofSeconds(30);
    private static final Duration RESULT_DELIVERY_PATIENCE = Duration.ofMinutes(10);
    /** How long a batch-mode host waits after a verdict changed before it reports: the real agent's 0.2 s. */
    private static final Duration CHANGE_REPORT_DELAY = Duration.ofMillis(200);
    private static final String PROBLEM_JSON = Problem.MEDIA_TYPE;

    private final Settings settings;
    private final Vertx vertx;
    private final WebClient apiserver;
    private final JsonMapper json = SeedJson.mapperBuilder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a newer apiserver may send more
            .addModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .build();
    private final Map<String, SimulatedHost> hosts;
    private final List<HttpServer> servers = Collections.synchronizedList(new ArrayList<>());
    private final AtomicBoolean reporting = new AtomicBoolean(true);
    private final Stats stats = new Stats();

    private FleetSimulator(Settings settings) {
        this.settings = settings;
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(1));
        this.apiserver = WebClient.create(vertx, new WebClientOptions().setKeepAlive(true).setConnectTimeout(5000)
                .setMaxPoolSize(settings.reportConnections()).setUserAgent("paas-fleet-simulator"));
        SecureRandom random = new SecureRandom();
        Map<String, SimulatedHost> all = new LinkedHashMap<>();
        for (int i = 0; i < settings.hosts(); i++) {
            byte[] secret = new byte[32];
            random.nextBytes(secret);
            String ip = address(settings.addressBlock(), i);
            all.put(ip, new SimulatedHost(ip, i, Base64.getUrlEncoder().withoutPadding().encodeToString(secret),
                    settings.failureRate()));
        }
        this.hosts = Collections.unmodifiableMap(all);
    }

    /** Binds every host's agent port and starts the report loops; fails when an address cannot be bound. */
    public static FleetSimulator start(Settings settings) throws Exception {
        FleetSimulator fleet = new FleetSimulator(settings);
        try {
            fleet.listen();
        } catch (Exception notBound) {
            fleet.close();
            throw notBound;
        }
        fleet.scheduleReports();
        return fleet;
    }

    /** The address of the {@code index}-th host from {@code block}: 250 hosts per block, .1 to .250. */
    public static String address(int block, int index) {
        return "127.1." + (block + index / 250) + "." + (1 + index % 250);
    }

    private void listen() throws Exception {
        List<Future<HttpServer>> bound = new ArrayList<>();
        for (String ip : hosts.keySet()) {
            HttpServer server = vertx.createHttpServer(new HttpServerOptions().setHost(ip).setPort(settings.agentPort())
                    .setIdleTimeout(120).setIdleTimeoutUnit(TimeUnit.SECONDS));
            bound.add(server.requestHandler(this::handle).listen().onSuccess(servers::add));
        }
        Future.all(bound).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    public Settings settings() {
        return settings;
    }

    public List<String> ips() {
        return List.copyOf(hosts.keySet());
    }

    /** The secret of the agent on {@code ip}: for registering it with the apiserver (PUT /hosts/{ip}), nothing else. */
    public String secret(String ip) {
        return host(ip).secret();
    }

    /** Makes that share of the actions on {@code ip} fail from now on. */
    public void failureRate(String ip, double rate) {
        host(ip).failureRate(rate);
    }

    /** Reports on or off: off, the fleet only answers the apiserver's calls (the idle phase of the benchmark). */
    public void reporting(boolean on) {
        reporting.set(on);
    }

    public Stats stats() {
        return stats;
    }

    private SimulatedHost host(String ip) {
        SimulatedHost host = hosts.get(ip);
        if (host == null) {
            throw new IllegalArgumentException("no simulated host " + ip);
        }
        return host;
    }

    // ---- the agent API ------------------------------------------------------------------------------------------

    private void handle(HttpServerRequest request) {
        SimulatedHost host = hosts.get(request.localAddress().hostAddress());
        String[] path = request.path().substring(1).split("/", -1);
        if (request.method() == HttpMethod.GET && request.path().equals("/version")) {
            answer(request, 200, new AgentVersion(RELEASE, BUILD));
            return;
        }
        if (!host.authorizes(request.getHeader("Authorization"))) {
            problem(request, 401, "Unauthorized",
                    "this agent takes calls only from its apiserver, with the host's secret as a bearer token");
            return;
        }
        if (request.method() == HttpMethod.POST && path.length == 1) {
            request.body().onSuccess(body -> act(host, request, path[0], body));
        } else if (request.method() == HttpMethod.GET && path.length == 2 && path[0].equals("operations")) {
            host.operation(path[1]).ifPresentOrElse(op -> answer(request, 200, op),
                    () -> problem(request, 404, "Not Found", "no operation " + path[1] + " on this agent"));
        } else if (request.method() == HttpMethod.GET && path.length == 3 && path[0].equals("operations") && path[2].equals("log")) {
            host.operation(path[1]).ifPresentOrElse(op -> request.response().putHeader("Content-Type", "text/plain;charset=utf-8")
                            .end("simulated " + op.action().wire() + " of " + op.type().wire() + "/" + op.name() + " on "
                                    + host.ip + ": " + op.state().wire() + "\n"),
                    () -> problem(request, 404, "Not Found", "no operation " + path[1] + " on this agent"));
        } else if (request.method() == HttpMethod.GET && path.length == 3 && path[0].equals("apps")) {
            host.status(path[1], path[2]).ifPresentOrElse(status -> answer(request, 200, status),
                    () -> problem(request, 404, "Not Found", path[1] + "/" + path[2] + " is not managed here"));
        } else if (request.method() == HttpMethod.DELETE && path.length == 3 && path[0].equals("apps")) {
            answer(request, 200, Map.of("name", path[2], "forgotten", host.forget(path[1], path[2])));
        } else {
            problem(request, 404, "Not Found", "no such route: " + request.method() + " " + request.path());
        }
    }

    private void act(SimulatedHost host, HttpServerRequest http, String verb, Buffer body) {
        Optional<Action> action = WireValue.parse(Action.class, verb);
        if (action.isEmpty()) {
            problem(http, 404, "Not Found", "no such action '" + verb + "'");
            return;
        }
        AgentRequest request;
        try {
            request = json.readValue(body.getBytes(), AgentRequest.class);
        } catch (IOException e) {
            problem(http, 400, "Invalid request", "the body is not an agent request: "
                    + (e instanceof JsonProcessingException unreadable ? unreadable.getOriginalMessage() : e.getMessage()));
            return;
        }
        if (request == null || request.name() == null || request.type() == null) {
            problem(http, 400, "Invalid request", "name and type are required");
            return;
        }
        if (action.get() == Action.CHECK) {
            answer(http, 200, host.probe(request));
            return;
        }
        SimulatedHost.Submitted submitted = host.submit(action.get(), request);
        if (submitted.conflict() != null) {
            problem(http, 409, "Conflict", submitted.conflict());
            return;
        }
        answer(http, 202, submitted.operation());
        if (submitted.started()) {
            stats.actions.increment();
            boolean fail = ThreadLocalRandom.current().nextDouble() < host.failureRate();
            String key = SimulatedHost.key(request.type().wire(), request.name());
            String id = submitted.operation().id();
            vertx.setTimer(Math.max(1, settings.actionDuration().toMillis()), t -> finish(host, key, id, fail));
        }
    }

    private void finish(SimulatedHost host, String key, String operationId, boolean fail) {
        SimulatedHost.Finished finished = host.finish(key, operationId, fail);
        if (fail) {
            stats.failedActions.increment();
        }
        AgentRequest request = finished.request();
        if (request != null) {
            if (settings.pushResults()) {
                deliverResult(host, request, finished.operation(), 0, System.nanoTime() + RESULT_DELIVERY_PATIENCE.toNanos());
            }
            if (finished.verdictChanged() && reporting.get()) {
                // The real agent checks at once after an install, start or restart, and reports what it found.
                if (settings.reportMode() == ReportMode.PER_APP) {
                    host.verdict(key).ifPresent(v -> reportOne(host, v));
                } else if (host.changeReportPending.compareAndSet(false, true)) {
                    // As the real agent: changes within CHANGE_REPORT_DELAY go in one report.
                    vertx.setTimer(CHANGE_REPORT_DELAY.toMillis(), t -> {
                        host.changeReportPending.set(false);
                        reportHost(host);
                    });
                }
            }
        }
    }

    /**
     * Pushes a finished operation to the apiserver, retrying with backoff, or after the wait a busy apiserver asked for
     * (until {@code giveUpAt}, {@link System#nanoTime}); the apiserver may also ask for it by id.
     */
    private void deliverResult(SimulatedHost host, AgentRequest request, Operation result, int attempt, long giveUpAt) {
        Optional<String> base = operatorBase(request);
        if (base.isEmpty()) {
            return;
        }
        String uri = base.get() + "/apis/v1alpha1/" + request.type().wire() + "/" + request.name() + "/operations/" + result.id();
        apiserver.putAbs(uri).bearerTokenAuthentication(host.secret()).putHeader("Content-Type", "application/json")
                .timeout(5000).sendBuffer(Buffer.buffer(write(result)))
                .onComplete(sent -> {
                    Optional<Duration> wait = sent.succeeded() ? retryAfter(sent.result()) : Optional.empty();
                    if (sent.succeeded() && sent.result().statusCode() / 100 == 2) {
                        stats.resultsDelivered.increment();
                    } else if (wait.isPresent() && System.nanoTime() < giveUpAt) {
                        stats.resultsDeferred.increment();
                        vertx.setTimer(millis(wait.get()), t -> deliverResult(host, request, result, attempt, giveUpAt));
                    } else if (attempt + 1 < RESULT_DELIVERY_ATTEMPTS) {
                        vertx.setTimer(Math.min(RESULT_DELIVERY_MAX_BACKOFF.toMillis(), 500L << attempt),
                                t -> deliverResult(host, request, result, attempt + 1, giveUpAt));
                    } else {
                        stats.resultsNotDelivered.increment();
                    }
                });
    }

    // ---- health reports -----------------------------------------------------------------------------------------

    /** Every host reports once per interval, the hosts spread evenly over it (real agents start at different times). */
    private void scheduleReports() {
        long interval = settings.reportInterval().toMillis();
        for (SimulatedHost host : hosts.values()) {
            long offset = 1 + interval * host.index / settings.hosts();
            vertx.setPeriodic(offset, interval, t -> {
                if (!reporting.get()) {
                    return;
                }
                if (settings.reportMode() == ReportMode.PER_APP) {
                    host.verdicts().forEach(v -> reportOne(host, v));
                } else {
                    reportHost(host);
                }
            });
        }
    }

    private void reportOne(SimulatedHost host, SimulatedHost.Verdict verdict) {
        String key = SimulatedHost.key(verdict.request().type().wire(), verdict.request().name());
        operatorBase(verdict.request()).ifPresent(base -> send(host, base + "/apis/v1alpha1/" + verdict.request().type().wire()
                + "/" + verdict.request().name() + "/check", verdict.check(),
                () -> host.verdict(key).ifPresent(latest -> reportOne(host, latest))));
    }

    private void reportHost(SimulatedHost host) {
        List<SimulatedHost.Verdict> verdicts = host.verdicts();
        if (verdicts.isEmpty()) {
            return;
        }
        Optional<String> base = operatorBase(verdicts.get(0).request());
        if (base.isEmpty()) {
            return;
        }
        for (int from = 0; from < verdicts.size(); from += HostReport.MAX_VERDICTS) {
            List<HostReport.Verdict> part = verdicts.subList(from, Math.min(verdicts.size(), from + HostReport.MAX_VERDICTS))
                    .stream().map(SimulatedHost.Verdict::forHostReport).toList();
            send(host, base.get() + "/apis/v1alpha1/hosts/" + host.ip + "/report", new HostReport(part), () -> {
                if (host.reportAfterWaitPending.compareAndSet(true, false)) {
                    reportHost(host);
                }
            });
        }
    }

    /**
     * Sends one report; {@code again} sends the latest verdicts once the wait a busy apiserver asked for has passed (as the
     * real agent does: never the refused, by then maybe stale, document).
     */
    private void send(SimulatedHost host, String uri, Object report, Runnable again) {
        long sentAt = System.nanoTime();
        stats.reports.increment();
        apiserver.putAbs(uri).bearerTokenAuthentication(host.secret()).putHeader("Content-Type", "application/json")
                .timeout(10_000).sendBuffer(Buffer.buffer(write(report)))
                .onComplete(sent -> {
                    Optional<Duration> wait = sent.succeeded() ? retryAfter(sent.result()) : Optional.empty();
                    if (sent.failed()) {
                        stats.reportsUnanswered.increment();
                    } else if (wait.isPresent()) {
                        // A busy apiserver: the latest verdicts after the wait it asked for (one host report at a time).
                        stats.reportsDeferred.increment();
                        if (!(report instanceof HostReport) || host.reportAfterWaitPending.compareAndSet(false, true)) {
                            vertx.setTimer(millis(wait.get()), t -> again.run());
                        }
                    } else if (sent.result().statusCode() / 100 == 2) {
                        stats.reportsTaken.increment();
                        stats.reportMillis(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sentAt));
                        if (report instanceof HostReport) {
                            stats.verdictsIgnored.add(ignored(sent.result().bodyAsString()));
                        }
                    } else {
                        stats.reportsRefused.increment();
                        stats.lastRefusal = sent.result().statusCode() + " " + sent.result().bodyAsString();
                    }
                });
    }

    /** The wait a busy apiserver asked for (429 or 503 with Retry-After), with the real agent's spread. */
    private static Optional<Duration> retryAfter(HttpResponse<Buffer> answer) {
        if (answer.statusCode() != 429 && answer.statusCode() != 503) {
            return Optional.empty();
        }
        return RetryAfter.parse(answer.getHeader("Retry-After"), Instant.now())
                .map(wait -> RetryAfter.spread(wait, ThreadLocalRandom.current()));
    }

    private static long millis(Duration wait) {
        return Math.max(1, wait.toMillis());
    }

    /** How many verdicts of a host report the apiserver ignored (not managed on that host): none, in a sound run. */
    private int ignored(String answer) {
        try {
            return json.readTree(answer).path("ignored").size();
        } catch (JsonProcessingException unreadable) {
            return 0;
        }
    }

    /** Where reports and results go: the operator address the apiserver names in every request. */
    private static Optional<String> operatorBase(AgentRequest request) {
        if (request.operatorIp() == null || request.operatorIp().isBlank()) {
            return Optional.empty();
        }
        String host = request.operatorIp().contains(":") ? "[" + request.operatorIp() + "]" : request.operatorIp();
        String port = request.operatorPort() == null || request.operatorPort().isBlank() ? "3334" : request.operatorPort();
        return Optional.of("http://" + host + ":" + port);
    }

    // ---- answers ------------------------------------------------------------------------------------------------

    private void answer(HttpServerRequest request, int status, Object body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(Buffer.buffer(write(body)));
    }

    private void problem(HttpServerRequest request, int status, String title, String detail) {
        request.response().setStatusCode(status).putHeader("Content-Type", PROBLEM_JSON)
                .end(Buffer.buffer(write(new Problem(title, status, detail, List.of()))));
    }

    private byte[] write(Object body) {
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String release() {
        try (InputStream in = FleetSimulator.class.getResourceAsStream("/fleet.properties")) {
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("release");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        reporting.set(false);
        vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    /** What the fleet did: actions run, results pushed, reports sent and how the apiserver answered them. */
    public static final class Stats {
        public final LongAdder actions = new LongAdder();
        public final LongAdder failedActions = new LongAdder();
        public final LongAdder resultsDelivered = new LongAdder();
        public final LongAdder resultsNotDelivered = new LongAdder();
        /** Result deliveries the apiserver asked to send again later (Retry-After), and did. */
        public final LongAdder resultsDeferred = new LongAdder();
        public final LongAdder reports = new LongAdder();
        public final LongAdder reportsTaken = new LongAdder();
        public final LongAdder reportsRefused = new LongAdder();
        public final LongAdder reportsUnanswered = new LongAdder();
        /** Reports the apiserver asked to send again later (Retry-After): sent again after the wait. */
        public final LongAdder reportsDeferred = new LongAdder();
        /** Verdicts of host reports the apiserver answered as ignored. */
        public final LongAdder verdictsIgnored = new LongAdder();
        /** The apiserver's answer to the last report it refused: what to look at when reports are refused. */
        public volatile String lastRefusal;
        /** Taken reports by answer time in milliseconds (the last bucket holds everything slower). */
        private final AtomicLongArray reportLatency = new AtomicLongArray(10_001);

        void reportMillis(long millis) {
            reportLatency.incrementAndGet((int) Math.min(millis, reportLatency.length() - 1));
        }

        /** Forgets the report answer times measured so far: a phase measures its own. */
        public void resetReportLatency() {
            for (int i = 0; i < reportLatency.length(); i++) {
                reportLatency.set(i, 0);
            }
        }

        /** The answer time under which {@code quantile} of the taken reports were answered, in ms; -1 for none. */
        public long reportLatencyMillis(double quantile) {
            long total = 0;
            for (int i = 0; i < reportLatency.length(); i++) {
                total += reportLatency.get(i);
            }
            if (total == 0) {
                return -1;
            }
            long rank = (long) Math.ceil(quantile * total);
            long seen = 0;
            for (int i = 0; i < reportLatency.length(); i++) {
                seen += reportLatency.get(i);
                if (seen >= rank) {
                    return i;
                }
            }
            return reportLatency.length() - 1;
        }
    }
}
