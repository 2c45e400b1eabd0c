package io.paasoperator.apiserver.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.agentclient.AgentEndpoint;
import io.paasoperator.apiserver.bootstrap.BootstrapException;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.resource.HostSpec;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Drives every resource toward its expected state: the engine around {@link StateMachine}. Woken at once by every
 * change (create, PUT, health report, action result) and by a periodic resync that catches anything missed.
 * <p>
 * Exactly one action per resource, across replicas, without an in-memory lock: the action in flight is claimed by a
 * compare-and-set on the row's version <em>before</em> the agent is called, so of two replicas deciding at once only
 * one claims it, and after a crash the claim is there to be resolved by asking the agent — never by running the
 * script again.
 */
@ApplicationScoped
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** How long a claimed action may wait for the agent's operation id before the claim is looked into. */
    static final Duration UNACKNOWLEDGED_CLAIM = Duration.ofSeconds(30);
    /** How soon a step held back by a busy host tries again (results also wake it sooner). */
    static final Duration HOST_BUSY_RETRY = Duration.ofMillis(500);
    /** Metric outcomes of steps that failed before the agent could report a result. */
    static final String CALL_FAILED = "call-failed";
    static final String NO_RESULT = "no-result";
    static final String BOOTSTRAP_FAILED = "bootstrap-failed";
    /** How soon a step waiting for another replica's bootstrap of its host tries again. */
    static final Duration BOOTSTRAP_ELSEWHERE_RETRY = Duration.ofSeconds(2);

    private final ResourceStore store;
    private final ResourceDocuments documents;
    private final AgentClient agents;
    private final HostAgents hostAgents;
    private final OperatorAddress operator;
    private final Vertx vertx;
    private final MeterRegistry metrics;
    private final StateMachine.Timing timing;
    private final Duration resultGrace;
    private final int maxConcurrent;
    /** Actions in flight on one host at most; counted in the database, so the bound holds across replicas. */
    private final int maxPerHost;
    private final Integer checkInterval;
    /** Off only for tests of the API alone; end-to-end tests run it for real. */
    private final boolean enabled;

    private final Queue<String> queue = new ConcurrentLinkedQueue<>();
    private final Set<String> queued = ConcurrentHashMap.newKeySet();
    private final Set<String> running = ConcurrentHashMap.newKeySet();
    private final Set<String> wokenWhileRunning = ConcurrentHashMap.newKeySet();
    private final AtomicInteger active = new AtomicInteger();
    private final Map<RealtimeState, AtomicLong> byRealtime = new EnumMap<>(RealtimeState.class);

    public Reconciler(ResourceStore store, ResourceDocuments documents, AgentClient agents, HostAgents hostAgents,
            OperatorAddress operator,
            Vertx vertx, MeterRegistry metrics,
            @ConfigProperty(name = "paas.reconcile.report-silence") Duration reportSilence,
            @ConfigProperty(name = "paas.reconcile.start-grace") Duration startGrace,
            @ConfigProperty(name = "paas.reconcile.result-grace") Duration resultGrace,
            @ConfigProperty(name = "paas.reconcile.max-concurrent") int maxConcurrent,
            @ConfigProperty(name = "paas.reconcile.max-per-host") int maxPerHost,
            @ConfigProperty(name = "paas.reconcile.check-interval") Duration checkInterval,
            @ConfigProperty(name = "paas.reconcile.enabled") boolean enabled) {
        this.enabled = enabled;
        this.store = store;
        this.documents = documents;
        this.agents = agents;
        this.hostAgents = hostAgents;
        this.operator = operator;
        this.vertx = vertx;
        this.metrics = metrics;
        this.timing = new StateMachine.Timing(reportSilence, startGrace);
        this.resultGrace = resultGrace;
        this.maxConcurrent = maxConcurrent;
        this.maxPerHost = maxPerHost;
        this.checkInterval = (int) checkInterval.toSeconds();
        metrics.gaugeCollectionSize("paas.reconcile.queue", List.of(), queued);
        for (RealtimeState state : RealtimeState.values()) {
            AtomicLong count = new AtomicLong();
            byRealtime.put(state, count);
            metrics.gauge("paas.resources", List.of(Tag.of("realtime", state.wire())), count);
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (enabled) {
            vertx.setTimer(1, id -> resyncNow()); // after a restart, resolve whatever was left in flight
        }
    }

    /** Reconciles this resource as soon as possible. Cheap, and safe to call from anywhere, any number of times. */
    public void wake(ResourceKind kind, String name) {
        if (!enabled) {
            return;
        }
        String key = kind.wire() + "/" + name;
        if (running.contains(key)) {
            wokenWhileRunning.add(key);
        } else if (queued.add(key)) {
            queue.add(key);
        }
        drain();
    }

    @Scheduled(every = "${paas.reconcile.resync}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    Uni<Void> resync() {
        return store.keys().invoke(keys -> keys.forEach(k -> wake((ResourceKind) k[0], (String) k[1])))
                .chain(store::countByRealtime).invoke(counts -> {
                    byRealtime.values().forEach(c -> c.set(0));
                    counts.forEach(c -> byRealtime.get((RealtimeState) c[0]).set((Long) c[1]));
                }).replaceWithVoid();
    }

    private void resyncNow() {
        onNewContext(() -> Uni.createFrom().deferred(this::resync).subscribe().with(ok -> { }, e -> LOG.warnf("resync failed: %s", e.getMessage())));
    }

    private void drain() {
        while (active.get() < maxConcurrent) {
            String key = queue.poll();
            if (key == null) {
                return;
            }
            queued.remove(key);
            if (!running.add(key)) {
                wokenWhileRunning.add(key);
                continue;
            }
            active.incrementAndGet();
            int slash = key.indexOf('/');
            ResourceKind kind = ResourceKind.fromWire(key.substring(0, slash));
            String name = key.substring(slash + 1);
            // deferred: even a failure thrown while building the pipeline ends in finished(), never leaks a slot
            onNewContext(() -> Uni.createFrom().deferred(() -> reconcile(kind, name)).subscribe().with(ok -> finished(key, kind, name), failure -> {
                if (!(failure instanceof ResourceStore.StaleDecision)) {
                    LOG.warnf("reconciling %s failed: %s", key, failure.toString());
                }
                finished(key, kind, name);
                if (failure instanceof ResourceStore.StaleDecision) {
                    wake(kind, name);
                }
            }));
        }
    }

    private void finished(String key, ResourceKind kind, String name) {
        running.remove(key);
        active.decrementAndGet();
        if (wokenWhileRunning.remove(key)) {
            wake(kind, name);
        }
        drain();
    }

    /** Hibernate Reactive wants each unit of work on a Vert.x context of its own, flagged safe for it. */
    private void onNewContext(Runnable work) {
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> work.run());
    }

    /** One pass: read the resource, take the step the state machine names. */
    Uni<Void> reconcile(ResourceKind kind, String name) {
        return store.get(kind, name).onFailure().recoverWithNull().chain(record -> {
            if (record == null) {
                return Uni.createFrom().voidItem(); // deleted
            }
            Instant now = now();
            if (record.inFlightAction != null) {
                return followInFlight(record, now);
            }
            AppSpec app = documents.app(record);
            Step step = StateMachine.next(record.snapshot(app.restart() != null), now, timing);
            return take(step, record, app, now);
        });
    }

    private Uni<Void> take(Step step, ResourceRecord record, AppSpec app, Instant now) {
        if (step instanceof Step.Wait wait) {
            wakeAt(record, wait.until());
            return Uni.createFrom().voidItem();
        }
        if (step instanceof Step.Expire expire) {
            return store.updateIf(record.kind, record.name, record.version,
                    r -> r.changeRealtime(expire.state(), ResourceEvent.BY_RECONCILER, expire.why(), now)).replaceWithVoid();
        }
        if (step instanceof Step.Run run) {
            return runAction(record, app, run.action(), now);
        }
        if (step instanceof Step.Probe probe) {
            return probe(record, app, now);
        }
        return Uni.createFrom().voidItem(); // converged
    }

    /**
     * Claims the step (stored first), then asks the agent; the operation id is stored when the agent answers. A host
     * already running its share of actions makes the step wait its turn; a host without a usable agent gets one first.
     */
    private Uni<Void> runAction(ResourceRecord record, AppSpec app, Action action, Instant now) {
        return withAgent(record, host(record), action, agent -> claimAndSubmit(record, app, action, agent, now));
    }

    /**
     * Runs {@code work} with the host's agent, installed first if needed. A failed bootstrap fails the step with its
     * reason; another replica's bootstrap of the host makes the step wait for it.
     */
    private Uni<Void> withAgent(ResourceRecord record, HostSpec host, Action action, Function<AgentEndpoint, Uni<Void>> work) {
        return hostAgents.call(host, work)
                .onFailure(BootstrapException.class).recoverWithUni(e -> failStep(record, action, BOOTSTRAP_FAILED, e.getMessage()))
                .onFailure(HostAgents.InstallingElsewhere.class).recoverWithUni(e -> {
                    wakeAt(record, Instant.now().plus(BOOTSTRAP_ELSEWHERE_RETRY));
                    return Uni.createFrom().voidItem();
                });
    }

    private Uni<Void> claimAndSubmit(ResourceRecord record, AppSpec app, Action action, AgentEndpoint agent, Instant now) {
        Instant deadline = now.plus(action.timeout(app.timeouts(), action.defaultTimeout())).plus(resultGrace);
        return store.claimOnHost(record.kind, record.name, record.version, agent.ip(), maxPerHost,
                        r -> r.beginAction(action, agent.ip(), now, deadline))
                .chain(claimed -> claimed == null ? hostBusy(record, now) : agents.submit(agent, action, agentRequest(claimed, app))
                        .chain(operation -> store.update(record.kind, record.name, r -> {
                            if (now.equals(r.inFlightSince) && action == r.inFlightAction) {
                                r.attachOperation(operation.id());
                            }
                        }))
                        .invoke(updated -> wakeAt(updated, deadline))
                        .onFailure(AgentCallException.class).call(e -> failStep(record, action, CALL_FAILED, e.getMessage())))
                .replaceWithVoid();
    }

    /** The host runs its share of actions already: this step waits its turn (results also wake it sooner). */
    private Uni<ResourceRecord> hostBusy(ResourceRecord record, Instant now) {
        wakeAt(record, now.plus(HOST_BUSY_RETRY));
        return Uni.createFrom().nullItem();
    }

    /** The action in flight: learn its outcome from the agent when it is due or overdue. */
    private Uni<Void> followInFlight(ResourceRecord record, Instant now) {
        HostSpec host = host(record);
        Action action = record.inFlightAction;
        if (record.inFlightOperation == null) {
            if (now.isBefore(record.inFlightSince.plus(UNACKNOWLEDGED_CLAIM))) {
                wakeAt(record, record.inFlightSince.plus(UNACKNOWLEDGED_CLAIM));
                return Uni.createFrom().voidItem(); // the call is probably under way right now
            }
            return withAgent(record, host, action, agent -> adoptOrAbandon(record, agent, now));
        }
        return hostAgents.call(host, agent -> agents.operation(agent, record.inFlightOperation))
                .onFailure(Reconciler::agentUnavailable).recoverWithNull()
                .chain(operation -> {
                    if (operation != null && operation.state().finished()) {
                        return applyResult(record.kind, record.name, operation);
                    }
                    if (!now.isBefore(record.inFlightDeadline)) {
                        return failStep(record, action, NO_RESULT, "no result for " + action.wire() + " within "
                                + Duration.between(record.inFlightSince, record.inFlightDeadline).toSeconds() + "s");
                    }
                    wakeAt(record, record.inFlightDeadline);
                    return Uni.createFrom().voidItem();
                });
    }

    /**
     * A claim the agent never acknowledged (the apiserver stopped during the call). If the agent has the operation, it
     * is ours: adopt it. If not, the script never started: drop the claim and find out the state afresh.
     */
    private Uni<Void> adoptOrAbandon(ResourceRecord record, AgentEndpoint agent, Instant now) {
        return agents.status(agent, record.kind.wire(), record.name).chain(status -> {
            Operation last = status == null ? null : status.lastOperation();
            boolean ours = last != null && last.action() == record.inFlightAction
                    && !last.startedAt().isBefore(record.inFlightSince.minus(UNACKNOWLEDGED_CLAIM));
            if (ours) {
                return store.updateIf(record.kind, record.name, record.version, r -> r.attachOperation(last.id()))
                        .invoke(() -> wake(record.kind, record.name)).replaceWithVoid();
            }
            return store.updateIf(record.kind, record.name, record.version, r -> r.abandonAction(
                    record.inFlightAction.wire() + " never reached the agent; finding out the state afresh", now))
                    .replaceWithVoid();
        }).onFailure(AgentCallException.class).call(e -> failStep(record, record.inFlightAction, CALL_FAILED, e.getMessage()));
    }

    private Uni<Void> probe(ResourceRecord record, AppSpec app, Instant now) {
        HostSpec host = host(record);
        Duration checkTimeout = Action.CHECK.timeout(app.timeouts(), Action.CHECK.defaultTimeout());
        return hostAgents.call(host, agent -> agents.probe(agent, agentRequest(record, app), checkTimeout))
                .chain(status -> store.updateIf(record.kind, record.name, record.version, r -> {
                    boolean healthy = status.installed() && status.lastCheck() != null && status.lastCheck().healthy();
                    r.recordCheck(status.lastCheck() == null ? null : status.lastCheck().code(),
                            status.lastCheck() == null ? null : status.lastCheck().msg(), now);
                    r.changeRealtime(StateMachine.onProbe(r.expect, status.installed(), healthy), ResourceEvent.BY_RECONCILER,
                            "probed: " + (status.lastCheck() == null ? "" : status.lastCheck().msg()), now);
                }))
                .onFailure(HostAgents.InstallingElsewhere.class).recoverWithUni(e -> {
                    wakeAt(record, Instant.now().plus(BOOTSTRAP_ELSEWHERE_RETRY));
                    return Uni.createFrom().nullItem();
                })
                .onFailure(Reconciler::agentUnavailable).recoverWithUni(e -> store.update(record.kind, record.name,
                        r -> r.probeFailed(e.getMessage(), now, retryAt(r.failureCount + 1, now)))
                        .invoke(r -> wakeAt(r, r.nextRetryAt)))
                .replaceWithVoid();
    }

    /** The agent could not be reached, refused, is being installed, or could not be: the step learns nothing now. */
    private static boolean agentUnavailable(Throwable failure) {
        return failure instanceof AgentCallException || failure instanceof BootstrapException
                || failure instanceof HostAgents.InstallingElsewhere;
    }

    /** Applies an action's result, whoever delivered it (the agent's push, or our own poll). */
    public Uni<Void> applyResult(ResourceKind kind, String name, Operation operation) {
        Instant now = now();
        return store.update(kind, name, r -> r.applyResult(operation, now, retryAt(r.failureCount + 1, now))).invoke(r -> {
            count(operation);
            wake(kind, name);
        }).replaceWithVoid();
    }

    /** A step that failed before any result: {@code outcome} says how, for the metrics (call-failed, no-result). */
    private Uni<Void> failStep(ResourceRecord record, Action action, String outcome, String reason) {
        Instant now = now();
        metrics.counter("paas.actions", "action", action.wire(), "outcome", outcome).increment();
        return store.update(record.kind, record.name, r -> r.fail(action, reason, now, retryAt(r.failureCount + 1, now)))
                .invoke(r -> wakeAt(r, r.nextRetryAt)).replaceWithVoid();
    }

    private void count(Operation operation) {
        metrics.counter("paas.actions", "action", operation.action().wire(), "outcome", operation.state().wire()).increment();
        if (operation.durationMs() != null) {
            metrics.timer("paas.action.duration", "action", operation.action().wire())
                    .record(Duration.ofMillis(operation.durationMs()));
        }
    }

    private void wakeAt(ResourceRecord record, Instant when) {
        if (when == null) {
            return;
        }
        long delay = Math.max(1, Duration.between(Instant.now(), when).toMillis() + 5);
        ResourceKind kind = record.kind;
        String name = record.name;
        vertx.setTimer(delay, id -> wake(kind, name));
    }

    private Instant retryAt(int failures, Instant now) {
        return now.plus(Backoff.DEFAULT.delay(failures, ThreadLocalRandom.current()));
    }

    private AgentRequest agentRequest(ResourceRecord record, AppSpec app) {
        return AgentRequest.of(record.name, record.kind, operator.ip(), operator.port(), app, checkInterval);
    }

    /** The host the application is managed on (passwords still sealed). */
    private HostSpec host(ResourceRecord record) {
        return documents.hosts(record).get(0).withDefaults();
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
