package io.paasoperator.bench;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.HostReport;
import io.paasoperator.contract.Operation;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One simulated host: its agent's secret, the applications it manages and the operations the apiserver started on it.
 * Behaves as the real agent's ActionService does, without scripts: one action per application at a time, an operation
 * id sent twice is one operation, start/stop/restart need an installed application. All methods are synchronized: the
 * host is touched by its HTTP server's event loop and by the timers that end actions and send reports.
 */
final class SimulatedHost {

    /** What the simulated check script says: the codes of the seed's check report. */
    static final CheckReport HEALTHY = new CheckReport(CheckReport.HEALTHY_CODE, "running (simulated)");
    static final CheckReport NOT_RUNNING = new CheckReport("1", "not running (simulated)");
    static final CheckReport NOT_INSTALLED = new CheckReport("1", "not installed");

    final String ip;
    /** The host's place in the fleet: spreads its reports over the interval. */
    final int index;
    private final String secret;
    private final byte[] expectedAuthorization;
    private double failureRate;
    private final Map<String, App> apps = new LinkedHashMap<>();
    private final Map<String, Operation> operations = new LinkedHashMap<>();
    /** A report of changed verdicts is on its way (batch mode): more changes meanwhile go with it. */
    final AtomicBoolean changeReportPending = new AtomicBoolean();
    /** A host report was refused for now (Retry-After): one with the latest verdicts is on its way after the wait. */
    final AtomicBoolean reportAfterWaitPending = new AtomicBoolean();

    SimulatedHost(String ip, int index, String secret, double failureRate) {
        this.ip = ip;
        this.index = index;
        this.secret = secret;
        this.expectedAuthorization = ("Bearer " + secret).getBytes(StandardCharsets.UTF_8);
        this.failureRate = failureRate;
    }

    /** One application on this host, as the agent's record of it. */
    static final class App {
        final String key;
        AgentRequest request;
        boolean installed;
        boolean running;
        Operation lastOperation;
        CheckReport lastCheck;

        App(String key, AgentRequest request) {
            this.key = key;
            this.request = request;
        }

        CheckReport verdict() {
            return !installed ? NOT_INSTALLED : running ? HEALTHY : NOT_RUNNING;
        }

        AppStatus status() {
            return new AppStatus(request.name(), request.type(), installed, lastOperation, lastCheck);
        }
    }

    static String key(String type, String name) {
        return type + "/" + name;
    }

    /** The secret the apiserver must present, compared in constant time as the real agent does. */
    boolean authorizes(String authorization) {
        return authorization != null
                && MessageDigest.isEqual(expectedAuthorization, authorization.getBytes(StandardCharsets.UTF_8));
    }

    /** The bearer token this host's reports carry. Only for the apiserver's report routes and its registration. */
    String secret() {
        return secret;
    }

    synchronized void failureRate(double rate) {
        this.failureRate = rate;
    }

    synchronized double failureRate() {
        return failureRate;
    }

    /** What {@link #submit} decided: the operation to answer with, or why it was refused (409), and whether it is new. */
    record Submitted(Operation operation, String conflict, boolean started) {
    }

    /**
     * Accepts {@code action} (not check) for the application in {@code request}: a known operation id is answered with
     * its operation and nothing runs again; a busy application, or one not installed for start/stop/restart, is a
     * conflict.
     */
    synchronized Submitted submit(Action action, AgentRequest request) {
        if (request.operationId() != null && operations.containsKey(request.operationId())) {
            return new Submitted(operations.get(request.operationId()), null, false);
        }
        String key = key(request.type().wire(), request.name());
        App app = apps.get(key);
        if (app != null && app.lastOperation != null && !app.lastOperation.state().finished()) {
            return new Submitted(null, app.lastOperation.action().wire() + " of " + key + " is running (operation "
                    + app.lastOperation.id() + "); ask again when it has finished", false);
        }
        boolean installed = app != null && app.installed;
        if (action != Action.INSTALL && action != Action.UNINSTALL && !installed) {
            return new Submitted(null, key + " is not installed: install it first", false);
        }
        if (app == null) {
            app = new App(key, request);
            apps.put(key, app);
        }
        app.request = request;
        String id = request.operationId() != null ? request.operationId() : java.util.UUID.randomUUID().toString();
        Operation operation = Operation.started(id, request.name(), request.type(), action, now());
        app.lastOperation = operation;
        operations.put(id, operation);
        return new Submitted(operation, null, true);
    }

    /**
     * Ends a running operation as its script would: succeeded, or failed with the real agent's reason. Answers the
     * finished operation and the request it ran for (where to push the result), and whether the application's verdict
     * changed (the real agent checks at once then).
     */
    synchronized Finished finish(String key, String operationId, boolean fail) {
        Operation running = operations.get(operationId);
        Operation done = fail
                ? running.finish(Operation.State.FAILED, now(), 1, "simulated failure on " + ip + " (failure rate "
                        + failureRate + ")\n", running.action().wire() + " script exited 1")
                : running.finish(Operation.State.SUCCEEDED, now(), 0, "", null);
        operations.put(operationId, done);
        App app = apps.get(key);
        if (app == null) { // forgotten while it ran: the result is still pushed, as the real agent does
            return new Finished(done, null, false);
        }
        CheckReport before = app.verdict();
        app.lastOperation = done;
        if (done.succeeded()) {
            switch (done.action()) {
                case INSTALL -> app.installed = true;
                case START, RESTART -> app.running = true;
                case STOP -> app.running = false;
                case UNINSTALL -> {
                    app.installed = false;
                    app.running = false;
                }
                default -> throw new IllegalStateException("not an operation: " + done.action());
            }
        } else if (done.action() == Action.INSTALL) {
            app.installed = false;
            app.running = false;
        }
        return new Finished(done, app.request, app.installed && !app.verdict().equals(before));
    }

    record Finished(Operation operation, AgentRequest request, boolean verdictChanged) {
    }

    /** The check run now (the apiserver's probe): whether it is installed, and its verdict. */
    synchronized AppStatus probe(AgentRequest request) {
        App app = apps.get(key(request.type().wire(), request.name()));
        if (app == null || !app.installed) {
            return new AppStatus(request.name(), request.type(), false, app == null ? null : app.lastOperation, NOT_INSTALLED);
        }
        app.lastCheck = app.verdict();
        return app.status();
    }

    synchronized Optional<Operation> operation(String id) {
        return Optional.ofNullable(operations.get(id));
    }

    synchronized Optional<AppStatus> status(String type, String name) {
        return Optional.ofNullable(apps.get(key(type, name))).map(App::status);
    }

    /** Stops managing an application; answers whether it was known. */
    synchronized boolean forget(String type, String name) {
        return apps.remove(key(type, name)) != null;
    }

    /** One application's verdict as its check loop reports it; empty when not installed (no loop runs then). */
    synchronized Optional<Verdict> verdict(String key) {
        App app = apps.get(key);
        if (app == null || !app.installed) {
            return Optional.empty();
        }
        app.lastCheck = app.verdict();
        return Optional.of(new Verdict(app.request, app.lastCheck));
    }

    /** The latest verdict of every installed application, each with the request that says where reports go. */
    synchronized List<Verdict> verdicts() {
        List<Verdict> verdicts = new ArrayList<>();
        for (App app : apps.values()) {
            if (app.installed) {
                app.lastCheck = app.verdict();
                verdicts.add(new Verdict(app.request, app.lastCheck));
            }
        }
        return verdicts;
    }

    record Verdict(AgentRequest request, CheckReport check) {

        HostReport.Verdict forHostReport() {
            return new HostReport.Verdict(request.type(), request.name(), check.code(), check.msg());
        }
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }
}
