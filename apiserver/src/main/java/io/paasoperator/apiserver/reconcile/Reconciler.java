package io.paasoperator.apiserver.reconcile;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.paasoperator.apiserver.context.FreshContexts;
import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.HostReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Vertx;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Drives every resource toward its expected state: a {@link WorkQueue} deciding which resource gets a pass when, and a
 * {@link StepRunner} running each pass. A resource is looked at when something happens to it (an API write; a health
 * report or an action's result that leaves a step to take at once) or when a time it depends on comes due; due times
 * are stored and found by an indexed query, shared between replicas, so that the cost of an idle estate does not grow
 * with its size.
 */
@Singleton
public class Reconciler {

    private static final Logger LOG = Logger.getLogger(Reconciler.class);
    /** How soon a pass that failed (the database unreachable, say) is tried again. */
    static final Duration FAILED_PASS_RETRY = Duration.ofSeconds(1);
    static final Duration GAUGE_REFRESH = Duration.ofSeconds(30);
    /** Writes of one host's report that run at once (when an agent comes back, each of its applications changes). */
    static final int REPORT_WRITES = 8;

    private final StepRunner runner;
    private final ResourceStore store;
    private final HostStore hostStore;
    private final Vertx vertx;
    private final Clock clock;
    private final ReconcileSettings settings;
    private final FreshContexts contexts;
    private final WorkQueue queue;
    private final Map<RealtimeState, AtomicLong> byRealtime = new EnumMap<>(RealtimeState.class);
    private final List<Long> timers = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** Set once the application stops: a pass that fails then was cut short, not failed. */
    private volatile boolean stopping;
    private final Counter passes;

    public Reconciler(StepRunner runner, ResourceStore store, HostStore hostStore, Vertx vertx, Clock clock,
            ReconcileSettings settings, MeterRegistry metrics, FreshContexts contexts) {
        this.hostStore = hostStore;
        this.contexts = contexts;
        this.runner = runner;
        this.store = store;
        this.vertx = vertx;
        this.clock = clock;
        this.settings = settings;
        this.queue = new WorkQueue(this::startPass,
                (delay, task) -> vertx.setTimer(Math.max(1, delay.toMillis()), id -> task.run()), clock, settings.maxConcurrent());
        metrics.gauge("paas.reconcile.queue", List.of(), queue, WorkQueue::waiting);
        passes = metrics.counter("paas.reconcile.passes");
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
        timers.add(vertx.setPeriodic(1, settings.silenceSweep().toMillis(), id -> inBackground("silence sweep", this::wakeSilent)));
    }

    /** Shutting down: no more polls against a database pool that is closing. */
    void onStop(@Observes ShutdownEvent event) {
        stopping = true;
        timers.forEach(vertx::cancelTimer);
    }

    /** Gives the resource a pass as soon as possible. Cheap, and safe to call from anywhere, any number of times. */
    public void wake(ResourceKind kind, String name) {
        if (settings.enabled()) {
            queue.wake(new ResourceKey(kind, name));
        }
    }

    /** A health report from the agent of host {@code ip}; the resource is looked at when that made a step due. */
    public Uni<Void> report(ResourceKind kind, String name, String ip, CheckReport report) {
        return runner.report(new ResourceKey(kind, name), ip, report).invoke(this::wakeIfDue).replaceWithVoid();
    }

    /**
     * Looks at a resource the engine wrote when the rules, on what it wrote, name a step to take now (its due time has
     * come). Else its stored due time brings it back, so that a write that leaves nothing to do costs no pass.
     */
    private void wakeIfDue(ResourceRecord written) {
        if (written != null && written.dueAt != null && !written.dueAt.isAfter(clock.instant())) {
            wake(written.kind, written.name);
        }
    }

    /** What a host's report came to: how many verdicts were taken, and those that were not, with why. */
    public record HostReportOutcome(int taken, List<Ignored> ignored) {

        public record Ignored(ResourceKind kind, String name, String reason) {
        }
    }

    /**
     * One report from the agent of host {@code ip} carrying every application's latest verdict, {@code before} the host's
     * heartbeat as its authorization read it (null when it had none). A resource is written
     * only when its verdict changes something ({@link StepRunner#reportChanges}); the host's heartbeat notes that the
     * others were heard. Applications the previous report covered and this one does not are looked at: their silence
     * is timed by themselves again.
     */
    public Uni<HostReportOutcome> reportHost(String ip, Heartbeat before, HostReport report) {
        Instant now = store.now();
        Map<ResourceKind, Set<String>> names = new EnumMap<>(ResourceKind.class);
        report.reports().forEach(v -> names.computeIfAbsent(v.kind(), k -> new HashSet<>()).add(v.name()));
        return store.getMany(names).chain(found -> {
            Map<String, ResourceRecord> byApp = new HashMap<>();
            found.forEach(r -> byApp.put(Heartbeat.app(r.kind.wire(), r.name), r));
            Set<String> taken = new HashSet<>();
            List<HostReportOutcome.Ignored> ignored = new ArrayList<>();
            Map<ResourceRecord, CheckReport> changing = new java.util.LinkedHashMap<>();
            for (HostReport.Verdict verdict : report.reports()) {
                String app = Heartbeat.app(verdict.kind().wire(), verdict.name());
                ResourceRecord record = byApp.get(app);
                if (record == null || record.host(ip).isEmpty()) {
                    ignored.add(new HostReportOutcome.Ignored(verdict.kind(), verdict.name(), record == null
                            ? "no such resource" : "not managed on " + ip));
                } else if (taken.add(app) && runner.reportChanges(record, ip, verdict.check())) {
                    changing.put(record, verdict.check());
                }
            }
            if (before != null) {
                before.apps().stream().filter(app -> !taken.contains(app)).forEach(this::wake);
            }
            // Written from the records just read: each is read again only if it was written since.
            return Multi.createFrom().iterable(changing.entrySet())
                    .onItem().transformToUni(change -> contexts.run(() -> runner.report(change.getKey(), ip, change.getValue()))
                            .invoke(this::wakeIfDue).onFailure(Reconciler::isNotFound).recoverWithNull())
                    .merge(REPORT_WRITES).collect().last()
                    .chain(() -> hostStore.recordHeartbeat(ip, now, taken))
                    .replaceWith(new HostReportOutcome(taken.size(), ignored));
        });
    }

    /**
     * An action's result, pushed by the agent of host {@code ip}; 403 when that agent does not manage the resource. Applied,
     * it frees the action's slot on the host: resources whose steps found the host busy are looked at.
     */
    public Uni<Void> resultFromAgent(ResourceKind kind, String name, String ip, Operation operation) {
        return runner.result(new ResourceKey(kind, name), ip, operation, true).invoke(written -> {
            if (written != null) {
                wakeIfDue(written);
                runner.slotFreed(ip).forEach(key -> wake(key.kind(), key.name()));
            }
        }).replaceWithVoid();
    }

    /** Tells the agents of a deleted resource's hosts to stop managing it, without waiting for their answers. */
    public void forget(ResourceRecord deleted) {
        if (deleted != null) {
            inBackground("telling agents to forget " + deleted.kind.wire() + "/" + deleted.name, () -> runner.forgetEverywhere(deleted));
        }
    }

    /** "kind/name", as heartbeats list applications. */
    private void wake(String app) {
        int slash = app.indexOf('/');
        WireValue.parse(ResourceKind.class, app.substring(0, slash)).ifPresent(kind -> wake(kind, app.substring(slash + 1)));
    }

    /** Hosts whose agents stopped reporting: their applications are looked at, and now time their own silence. */
    private Uni<Void> wakeSilent() {
        Instant now = clock.instant();
        return hostStore.noticeSilent(now.minus(settings.reportSilence()), now).invoke(apps -> apps.forEach(this::wake))
                .replaceWithVoid();
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ProblemException problem && problem.status() == 404;
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
        passes.increment();
        contexts.run(() -> runner.pass(key)).subscribe().with(again -> {
            if (again != null) {
                queue.wakeAt(key, again);
            }
            done.run();
        }, failure -> {
            if (stopping) {
                // Cut by the stop (the pool closed under it): what it left is due in the database, for the next start.
                LOG.debugf("reconciling %s cut short by the stop: %s", key, failure);
            } else {
                LOG.warnf("reconciling %s failed, trying again in %ss: %s", key, FAILED_PASS_RETRY.toSeconds(), failure.toString());
                queue.wakeAt(key, clock.instant().plus(FAILED_PASS_RETRY));
            }
            done.run();
        });
    }

    private void inBackground(String what, Supplier<Uni<Void>> work) {
        contexts.run(work).subscribe().with(ok -> { }, e -> {
            if (stopping) {
                LOG.debugf("%s cut short by the stop: %s", what, e.getMessage());
            } else {
                LOG.warnf("%s failed: %s", what, e.getMessage());
            }
        });
    }
}
