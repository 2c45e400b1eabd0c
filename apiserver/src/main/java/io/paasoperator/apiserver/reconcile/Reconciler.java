package io.paasoperator.apiserver.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.paasoperator.apiserver.context.FreshContexts;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Drives every resource toward its expected state: a {@link WorkQueue} deciding which resource gets a pass when, and a
 * {@link StepRunner} running each pass. A resource is looked at when something happens to it (an API write, a health
 * report, an action's result) or when a time it depends on comes due; due times are stored and found by an indexed
 * query, shared between replicas, so that the cost of an idle estate does not grow with its size.
 */
@Singleton
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** How soon a pass that failed (the database unreachable, say) is tried again. */
    static final Duration FAILED_PASS_RETRY = Duration.ofSeconds(1);
    static final Duration GAUGE_REFRESH = Duration.ofSeconds(30);

    private final StepRunner runner;
    private final ResourceStore store;
    private final Vertx vertx;
    private final Clock clock;
    private final ReconcileSettings settings;
    private final FreshContexts contexts;
    private final WorkQueue queue;
    private final Map<RealtimeState, AtomicLong> byRealtime = new EnumMap<>(RealtimeState.class);
    private final List<Long> timers = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Reconciler(StepRunner runner, ResourceStore store, Vertx vertx, Clock clock, ReconcileSettings settings,
            MeterRegistry metrics, FreshContexts contexts) {
        this.contexts = contexts;
        this.runner = runner;
        this.store = store;
        this.vertx = vertx;
        this.clock = clock;
        this.settings = settings;
        this.queue = new WorkQueue(this::startPass,
                (delay, task) -> vertx.setTimer(Math.max(1, delay.toMillis()), id -> task.run()), clock, settings.maxConcurrent());
        metrics.gauge("paas.reconcile.queue", List.of(), queue, WorkQueue::waiting);
        for (RealtimeState state : RealtimeState.values()) {
            AtomicLong count = new AtomicLong();
            byRealtime.put(state, count);
            metrics.gauge("paas.resources", List.of(Tag.of("realtime", state.wire())), count);
        }
    }

    void onStart(@Observes StartupEvent event) {
        if (!settings.enabled()) {
            return;
        }
        // After a restart, actions left in flight are followed up at once; the due poll finds everything else.
        inBackground("following actions in flight", () -> store.withActionsInFlight().invoke(this::wakeAll).replaceWithVoid());
        timers.add(vertx.setPeriodic(1, settings.duePoll().toMillis(), id -> inBackground("due poll", this::pollDue)));
        timers.add(vertx.setPeriodic(1, GAUGE_REFRESH.toMillis(), id -> inBackground("state counts", this::countStates)));
    }

    /** Shutting down: no more polls against a database pool that is closing. */
    void onStop(@Observes ShutdownEvent event) {
        timers.forEach(vertx::cancelTimer);
    }

    /** Gives the resource a pass as soon as possible. Cheap, and safe to call from anywhere, any number of times. */
    public void wake(ResourceKind kind, String name) {
        if (settings.enabled()) {
            queue.wake(new ResourceKey(kind, name));
        }
    }

    /** A health report from the agent of host {@code ip}; the resource is looked at when it changed anything. */
    public Uni<Void> report(ResourceKind kind, String name, String ip, CheckReport report) {
        ResourceKey key = new ResourceKey(kind, name);
        return runner.report(key, ip, report).invoke(changed -> {
            if (changed) {
                wake(kind, name);
            }
        }).replaceWithVoid();
    }

    /** An action's result, pushed by the agent of host {@code ip}. */
    public Uni<Void> result(ResourceKind kind, String name, String ip, Operation operation) {
        return runner.result(new ResourceKey(kind, name), ip, operation).invoke(decided -> {
            if (decided) {
                wake(kind, name);
            }
        }).replaceWithVoid();
    }

    /** Tells the agents of a deleted resource's hosts to stop managing it, without waiting for their answers. */
    public void forget(ResourceRecord deleted) {
        if (deleted != null) {
            inBackground("telling agents to forget " + deleted.kind.wire() + "/" + deleted.name, () -> runner.forgetEverywhere(deleted));
        }
    }

    private Uni<Void> pollDue() {
        Instant now = clock.instant();
        return store.takeDue(now, settings.dueBatch(), now.plus(settings.dueClaim())).invoke(this::wakeAll).replaceWithVoid();
    }

    private void wakeAll(List<Object[]> keys) {
        for (Object[] key : keys) {
            queue.wake(new ResourceKey(ResourceKind.fromWire((String) key[0]), (String) key[1]));
        }
    }

    private Uni<Void> countStates() {
        return store.countByRealtime().invoke(counts -> {
            byRealtime.values().forEach(c -> c.set(0));
            counts.forEach(c -> byRealtime.get((RealtimeState) c[0]).set((Long) c[1]));
        }).replaceWithVoid();
    }

    /** Runs a pass on a context of its own; whatever happens, the queue hears that it ended, and when to come back. */
    private void startPass(ResourceKey key, Runnable done) {
        contexts.run(() -> runner.pass(key)).subscribe().with(again -> {
            if (again != null) {
                queue.wakeAt(key, again);
            }
            done.run();
        }, failure -> {
            LOG.warnf("reconciling %s failed, trying again in %ss: %s", key, FAILED_PASS_RETRY.toSeconds(), failure.toString());
            queue.wakeAt(key, clock.instant().plus(FAILED_PASS_RETRY));
            done.run();
        });
    }

    private void inBackground(String what, Supplier<Uni<Void>> work) {
        contexts.run(work).subscribe().with(ok -> { }, e -> LOG.warnf("%s failed: %s", what, e.getMessage()));
    }
}
