package io.paasoperator.agent.action;

import io.paasoperator.agent.AgentConfig;
import io.paasoperator.agent.check.CheckLoops;
import io.paasoperator.agent.check.CheckOutput;
import io.paasoperator.agent.check.HealthCheck;
import io.paasoperator.agent.check.OperatorClient;
import io.paasoperator.agent.script.RepoDownloader;
import io.paasoperator.agent.script.ScriptCall;
import io.paasoperator.agent.script.ScriptEnvironment;
import io.paasoperator.agent.script.ScriptResult;
import io.paasoperator.agent.script.ScriptRunner;
import io.paasoperator.agent.state.AppRecord;
import io.paasoperator.agent.state.AppRegistry;
import io.paasoperator.agent.state.StateStore;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RetryAfter;
import io.quarkus.runtime.Startup;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Accepts actions and runs them in the background: the caller gets an operation id at once and asks for the result
 * later, so a long install holds no connection open. One action per application at a time; different applications
 * run in parallel. Every verb shares the same path — record the operation, run the script, record the result — and
 * differs only in what comes before (install fetches the files) and after (install starts the check loop, uninstall
 * stops it and removes the application's directory).
 */
@Singleton
@Startup
public class ActionService {

    private static final Logger LOG = Logger.getLogger(ActionService.class);
    static final int RESULT_DELIVERY_ATTEMPTS = 8;
    /** How long a result is pushed at most, however often the apiserver asks to wait: by then it has asked for it. */
    static final Duration RESULT_DELIVERY_PATIENCE = Duration.ofMinutes(10);

    private final AppRegistry registry;
    private final StateStore store;
    private final ScriptRunner runner;
    private final RepoDownloader downloader;
    private final HealthCheck healthCheck;
    private final CheckLoops loops;
    private final AgentConfig config;
    private final OperatorClient operator;
    private final ExecutorService results = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "result-delivery");
        thread.setDaemon(true);
        return thread;
    });
    private final ExecutorService workers = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "action");
        thread.setDaemon(true);
        return thread;
    });

    public ActionService(AppRegistry registry, StateStore store, ScriptRunner runner, RepoDownloader downloader,
            HealthCheck healthCheck, CheckLoops loops, AgentConfig config, OperatorClient operator) {
        this.registry = registry;
        this.store = store;
        this.runner = runner;
        this.downloader = downloader;
        this.healthCheck = healthCheck;
        this.loops = loops;
        this.config = config;
        this.operator = operator;
        resume();
    }

    /** After a restart: an action that was running when the agent stopped is reported interrupted; loops resume. */
    private void resume() {
        for (AppRecord record : store.loadAll()) {
            registry.restore(record);
            Operation last = record.lastOperation();
            if (last != null && !last.state().finished()) {
                Operation interrupted = last.finish(Operation.State.INTERRUPTED, now(), null, null,
                        "the agent stopped while " + last.action().wire() + " ran; its outcome is unknown");
                record = registry.update(record.key(), record, r -> r.withOperation(interrupted));
                LOG.infof("%s: %s was interrupted by an agent restart", record.key(), last.action().wire());
            }
            if (record.installed()) {
                loops.start(record);
            }
        }
    }

    /**
     * Accepts {@code action} (not check) for the application in {@code request}; it runs in the background. A request
     * naming an operation this agent already has (running, finished, or cut short by a restart) is answered with it,
     * and nothing runs again.
     */
    public Operation submit(Action action, AgentRequest request) {
        String key = AppRecord.key(request.type().wire(), request.name());
        String id = request.operationId() != null ? request.operationId() : UUID.randomUUID().toString();
        Operation operation = Operation.started(id, request.name(), request.type(), action, now());
        Optional<Operation> running = registry.claim(key, operation);
        if (request.operationId() != null) {
            // Looked up after the claim: an operation that held the application until now is recorded by then.
            Optional<Operation> known = registry.operation(id).or(() -> running.filter(r -> r.id().equals(id)));
            if (known.isPresent()) {
                if (running.isEmpty()) {
                    registry.release(key);
                }
                return known.get();
            }
        }
        running.ifPresent(other -> {
            throw ProblemException.conflict(other.action().wire() + " of " + key + " is running (operation "
                    + other.id() + "); ask again when it has finished");
        });
        try {
            boolean installed = registry.get(key).map(AppRecord::installed).orElse(false);
            if (action != Action.INSTALL && action != Action.UNINSTALL && !installed) {
                throw ProblemException.conflict(key + " is not installed: install it first");
            }
            if (action == Action.RESTART && request.restart() == null) {
                throw ProblemException.invalidField("restart", "this application has no restart script: stop, then start");
            }
            registry.update(key, AppRecord.fresh(request), r -> r.withRequest(request).withOperation(operation));
            workers.execute(() -> run(key, action, operation));
            return operation;
        } catch (RuntimeException refused) {
            registry.release(key);
            throw refused;
        }
    }

    private void run(String key, Action action, Operation operation) {
        Operation finished;
        boolean installedAfter = registry.get(key).map(AppRecord::installed).orElse(false);
        AgentRequest request = registry.get(key).orElseThrow().request();
        try {
            Path appHome = store.appHome(request.type().wire(), request.name());
            if (action == Action.INSTALL) {
                loops.stop(key);
                fetchInto(request, appHome);
            } else if (action == Action.UNINSTALL) {
                loops.stop(key);
            }
            ScriptResult result = runScript(request, action, appHome, operation);
            finished = finish(operation, action, result);
            if (action == Action.INSTALL) {
                installedAfter = result.succeeded();
            } else if (action == Action.UNINSTALL && result.succeeded()) {
                StateStore.deleteTree(appHome);
                installedAfter = false;
            }
        } catch (RepoDownloader.DownloadException e) {
            finished = operation.finish(Operation.State.FAILED, now(), null, null, "download failed: " + e.getMessage());
            installedAfter = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            finished = operation.finish(Operation.State.INTERRUPTED, now(), null, null, "the agent is shutting down");
        } catch (IOException | RuntimeException e) {
            finished = operation.finish(Operation.State.FAILED, now(), null, null,
                    action.wire() + " could not run: " + e.getMessage());
        }
        boolean installed = installedAfter;
        Operation result = finished;
        AppRecord record = registry.update(key, AppRecord.fresh(request), r -> r.withOperation(result).withInstalled(installed));
        boolean kept = registry.release(key); // false: forgotten while it ran, and now gone
        if (installed && kept) {
            loops.start(record); // after install, a restarted loop; after start or restart, a check right away
        }
        // The apiserver may have heard that first check before the result, and cannot tell it from one made before the
        // old process stopped: after a successful start or restart, the loop's first verdict goes (again) after the result.
        boolean confirm = installed && kept && result.state() == Operation.State.SUCCEEDED
                && (action == Action.START || action == Action.RESTART);
        results.execute(() -> {
            deliverResult(request, result);
            if (confirm) {
                loops.confirm(key);
            }
        });
        LOG.infof("%s: %s %s in %d ms", key, action.wire(), result.state().wire(), result.durationMs());
    }

    /**
     * Pushes a finished operation to the apiserver, retrying with backoff for a while; an apiserver that is busy and says
     * when to come back (Retry-After) is sent it again then, which is no failed attempt (for up to
     * {@link #RESULT_DELIVERY_PATIENCE}). If it never gets through, the result is still here: the apiserver asks for it
     * by id.
     */
    private void deliverResult(AgentRequest request, Operation result) {
        Optional<URI> target = operator.resultTarget(request, result);
        if (target.isEmpty()) {
            return;
        }
        try {
            Instant giveUpAt = Instant.now().plus(RESULT_DELIVERY_PATIENCE);
            int failures = 0;
            while (failures < RESULT_DELIVERY_ATTEMPTS && Instant.now().isBefore(giveUpAt)) {
                OperatorClient.Answer answer = operator.send(target.get(), result);
                if (answer.taken()) {
                    return;
                }
                if (answer.retryAfter() != null) {
                    Thread.sleep(RetryAfter.spread(answer.retryAfter(), ThreadLocalRandom.current()).toMillis());
                } else {
                    Thread.sleep(Math.min(30_000L, 500L << failures));
                    failures++;
                }
            }
            LOG.warnf("result of operation %s not delivered to %s; it stays available at /operations/%s",
                    result.id(), target.get(), result.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private ScriptResult runScript(AgentRequest request, Action action, Path appHome, Operation operation)
            throws IOException, InterruptedException {
        Path log = store.logFile(operation);
        pruneLogs(log.getParent(), action);
        Duration timeout = config.timeoutFor(action, request.timeouts());
        return runner.run(new ScriptCall(appHome, request.app().scriptFor(action), ScriptEnvironment.of(request, appHome),
                timeout, log));
    }

    private Operation finish(Operation operation, Action action, ScriptResult result) {
        String script = action.wire() + " script";
        if (result.timedOut()) {
            return operation.finish(Operation.State.TIMED_OUT, now(), null, result.output(),
                    script + " ran longer than its " + result.took().toSeconds() + "s limit; its processes were killed");
        }
        if (result.exitCode() != 0) {
            return operation.finish(Operation.State.FAILED, now(), result.exitCode(), result.output(),
                    script + " exited " + result.exitCode());
        }
        return operation.finish(Operation.State.SUCCEEDED, now(), 0, result.output(), null);
    }

    /**
     * Fetches every script and the package afresh into a private staging directory, and only when all arrived intact
     * moves them into the application's directory: a partial or corrupted download never runs.
     */
    private void fetchInto(AgentRequest request, Path appHome) throws IOException, InterruptedException {
        Path staging = store.recordDir(request.type().wire(), request.name()).resolve("staging");
        StateStore.deleteTree(staging);
        StateStore.createPrivateDirectories(staging);
        Set<String> files = new LinkedHashSet<>();
        for (Action a : Action.values()) {
            if (request.app().scriptFor(a) != null) {
                files.add(request.app().scriptFor(a));
            }
        }
        Set<String> scripts = Set.copyOf(files);
        if (request.packageFile() != null) {
            files.add(request.packageFile());
        }
        downloader.fetchAll(request.repoUrl(), List.copyOf(files), request.checksums(), staging);
        Files.createDirectories(appHome);
        for (String file : files) {
            Path staged = staging.resolve(file);
            Files.setPosixFilePermissions(staged, PosixFilePermissions.fromString(scripts.contains(file) ? "rwxr-x---" : "rw-r-----"));
            Files.move(staged, appHome.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        StateStore.deleteTree(staging);
    }

    private void pruneLogs(Path logDir, Action action) throws IOException {
        if (!Files.isDirectory(logDir)) {
            return;
        }
        try (Stream<Path> logs = Files.list(logDir)) {
            List<Path> old = logs.filter(p -> p.getFileName().toString().startsWith(action.wire() + "-")).sorted().toList();
            for (int i = 0; i <= old.size() - config.logKeep(); i++) {
                Files.deleteIfExists(old.get(i));
            }
        }
    }

    /** Runs the check now (the apiserver's probe): whether the application is installed, and its verdict. */
    public AppStatus probe(AgentRequest request) throws InterruptedException {
        String key = AppRecord.key(request.type().wire(), request.name());
        Optional<AppRecord> record = registry.get(key);
        if (record.isEmpty() || !record.get().installed()) {
            return new AppStatus(request.name(), request.type(), false, record.map(AppRecord::lastOperation).orElse(null),
                    new CheckReport(CheckOutput.AGENT_FAILURE_CODE, "not installed"));
        }
        CheckReport report = healthCheck.run(record.get().withRequest(request));
        // A probe comes from the apiserver as it is now: if it moved (another OPERATOR_IP or port), reports and results
        // go there from now on, not to where the last action said (which the apiserver, hearing nothing, probes again).
        AppRecord updated = registry.update(key, record.get(), r -> r.withCheck(report)
                .withRequest(r.request().withOperator(request.operatorIp(), request.operatorPort())));
        return updated.status();
    }

    public Optional<Operation> operation(String id) {
        return registry.operation(id);
    }

    public Optional<AppStatus> status(String type, String name) {
        return registry.get(AppRecord.key(type, name)).map(AppRecord::status);
    }

    /**
     * Stops managing an application (its check loop and the agent's record go); its files and processes stay. While
     * an action runs, the record goes when it ends; its result is still pushed to the apiserver.
     */
    public boolean forget(String type, String name) {
        String key = AppRecord.key(type, name);
        boolean known = registry.get(key).isPresent();
        loops.stop(key);
        registry.forget(type, name);
        return known;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    @PreDestroy
    void shutdown() {
        workers.shutdownNow();
        results.shutdownNow();
    }
}
