package io.paasoperator.apiserver.reconcile;

import io.micrometer.core.instrument.MeterRegistry;
import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.context.FreshContexts;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.agentclient.OperatorAddress;
import io.paasoperator.apiserver.bootstrap.BootstrapException;
import io.paasoperator.apiserver.bootstrap.BootstrapNotes;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.rules.Backoff;
import io.paasoperator.apiserver.rules.Desired;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.StateMachine;
import io.paasoperator.apiserver.rules.Step;
import io.paasoperator.apiserver.rules.Summary;
import io.paasoperator.apiserver.rules.Timing;
import io.paasoperator.apiserver.rules.Transition;
import io.paasoperator.apiserver.rules.Transitions;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import java.util.function.IntFunction;

/**
 * Runs one reconcile pass for one resource: reads it, asks {@link StateMachine} for each host's next step, and takes
 * those steps, hosts in parallel. Every write is decided again on the record it writes, compared on its version (the
 * rules must still name the same step), so concurrent passes, reports and replicas never act on a stale decision.
 * <p>
 * An action is claimed before the agent is called, under an operation id chosen here and stored with the claim; the
 * agent runs an id once however often it is sent. After a crash, following an action is asking the agent for that id,
 * and sending it again if the agent never got it.
 */
@Singleton
public class StepRunner {

    /**
     * How soon a step held back by a busy host tries again, unless an action's result pushed from that host frees a
     * slot first ({@link #slotFreed}): for slots freed otherwise (an expiry, a follow-up, another replica).
     */
    static final Duration HOST_BUSY_RETRY = Duration.ofSeconds(2);
    /** How soon a step waiting for another replica's bootstrap of its host tries again. */
    static final Duration BOOTSTRAP_ELSEWHERE_RETRY = Duration.ofSeconds(2);
    /** How soon an action in flight whose agent could not be asked about it is asked again. */
    static final Duration FOLLOW_RETRY = Duration.ofSeconds(5);
    /** Followed operations kept before those past their deadline are first dropped (another replica may have applied them). */
    static final int FOLLOWED_PRUNE_AT = 1024;

    private final ResourceStore store;
    private final ResourceDocuments documents;
    private final Agents agents;
    private final OperatorAddress operator;
    private final ReconcileSettings settings;
    private final Timing timing;
    private final Backoff backoff;
    private final MeterRegistry metrics;
    private final FreshContexts contexts;
    /**
     * Operations this replica sent or has followed since it started, with when it last heard of each (sent it, or asked
     * the agent): their results come by push, or are asked for when the rules' next ask is due ({@link Step.Follow}), and
     * at the deadline. Entries past their deadline are dropped as new ones come.
     */
    private final Map<String, Followed> followed = new ConcurrentHashMap<>();
    /** Resources whose step found every action slot of a host taken, by host: {@link #slotFreed} names them. */
    private final Map<String, Set<ResourceKey>> waitingForSlot = new ConcurrentHashMap<>();
    /** The size past which {@link #follow} drops entries past their deadline (event loops race on it: an extra scan at most). */
    private volatile int followedPruneAt = FOLLOWED_PRUNE_AT;

    public StepRunner(ResourceStore store, ResourceDocuments documents, Agents agents, OperatorAddress operator,
            ReconcileSettings settings, MeterRegistry metrics, FreshContexts contexts) {
        this.store = store;
        this.documents = documents;
        this.agents = agents;
        this.operator = operator;
        this.settings = settings;
        this.timing = settings.timing();
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap(), Backoff.DEFAULT.jitter());
        this.metrics = metrics;
        this.contexts = contexts;
    }

    /**
     * One pass. Emits when to look at the resource again: now (it changed), a time (a wait this replica should end
     * itself), or null (its stored due time, or the next change, will bring it back). A deleted resource emits null.
     */
    public Uni<Instant> pass(ResourceKey key) {
        return store.getWithHeartbeats(key.kind(), key.name())
                .onFailure(StepRunner::isNotFound).recoverWithNull()
                .chain(read -> read == null ? Uni.createFrom().nullItem() : steps(key, read.record(), read.heartbeats()));
    }

    private Uni<Instant> steps(ResourceKey key, ResourceRecord record, Map<String, Heartbeat> heartbeats) {
        Instant now = now();
        if (uninstalledForDeletion(record)) {
            return finishDeletion(key);
        }
        Desired desired = documents.desired(record);
        AppSpec app = documents.openedApp(record);
        List<HostState> hosts = record.hostStates();
        List<Step> decided = liveness(record, heartbeats, now).steps(desired, hosts, timing);
        // Hosts take their steps at once, each on a context (so a database session) of its own.
        List<Uni<Instant>> steps = java.util.stream.IntStream.range(0, hosts.size())
                .mapToObj(i -> contexts.run(() -> take(key, record, app, hosts.get(i), decided.get(i), now, heartbeats))
                        .onFailure(StepRunner::isNotFound).recoverWithNull()) // deleted meanwhile: nothing left to do
                .toList();
        return Uni.join().all(steps).andCollectFailures()
                .call(whens -> wrote(decided, whens, now) ? Uni.createFrom().voidItem()
                        : contexts.run(() -> keepDue(record, Summary.dueAt(decided, now))))
                .map(whens -> whens.stream().filter(Objects::nonNull).min(Instant::compareTo).orElse(null));
    }

    /**
     * Whether a step wrote the resource (so set its due time), told by what it returned: now after a write it decided,
     * null after an action handed over. A step held back (its host busy, its agent being installed elsewhere) returns a
     * later time and wrote nothing: then the due time is kept as the rules give it, so that a crash brings it back too.
     */
    private static boolean wrote(List<Step> decided, List<Instant> whens, Instant now) {
        for (int i = 0; i < decided.size(); i++) {
            Step step = decided.get(i);
            Instant when = whens.get(i);
            boolean acting = !(step instanceof Step.Wait || step instanceof Step.Follow);
            if (when != null ? !when.isAfter(now) : acting) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whatever the steps wrote set its own due time; if none could, the stored one is made the one the rules give (a
     * due poll moved it ahead). A write since the read wins: the version no longer matches.
     */
    private Uni<Void> keepDue(ResourceRecord record, Instant due) {
        return Objects.equals(due, record.dueAt) ? Uni.createFrom().voidItem() : store.setDue(record.id, record.version, due);
    }

    private Uni<Instant> take(ResourceKey key, ResourceRecord record, AppSpec app, HostState host, Step step, Instant now,
            Map<String, Heartbeat> heartbeats) {
        if (step instanceof Step.Expire expire) {
            return decide(key, host.ip(), step, now, heartbeats,
                    (desired, h) -> Transitions.expire(desired, h, expire, now, retryAt(now)));
        }
        if (step instanceof Step.Run run) {
            return run(key, record, app, host, run, now, heartbeats);
        }
        if (step instanceof Step.Probe) {
            return probe(key, record, app, host, step, now, heartbeats);
        }
        if (step instanceof Step.Follow follow) {
            return follow(key, record, app, host, follow, now);
        }
        if (step instanceof Step.Drop) {
            return drop(key, record, host, step, now, heartbeats);
        }
        return Uni.createFrom().nullItem(); // a wait: the stored due time brings the resource back
    }

    /**
     * Runs an action: claimed under its operation id (only while the host has a free action slot), so that the host
     * shows the action from now on; then the host's agent made ready (installed first if need be, with an event when
     * that starts and when it ended well), and the action handed over. A failed bootstrap or call fails the step, visibly.
     */
    private Uni<Instant> run(ResourceKey key, ResourceRecord record, AppSpec app, HostState host, Step.Run run, Instant now,
            Map<String, Heartbeat> heartbeats) {
        HostSpec spec = documents.hostSpec(record, host.ip());
        Action action = run.action();
        String operationId = UUID.randomUUID().toString();
        Instant deadline = now.plus(action.timeout(app.timeouts(), action.defaultTimeout())).plus(settings.resultGrace());
        AgentRequest request = request(record, app, spec.ip()).withOperationId(operationId);
        return store.claimOnHost(key.kind(), key.name(), spec.ip(), settings.maxPerHost(), claimed -> write(claimed, now, heartbeats,
                        r -> decideOn(r, spec.ip(), run, now, heartbeats,
                                (desired, h) -> Transitions.begin(desired, h, run, operationId, now, deadline))))
                .chain(claimed -> {
                    if (claimed == null) {
                        waitingForSlot.computeIfAbsent(spec.ip(), ip -> ConcurrentHashMap.newKeySet()).add(key);
                        return Uni.createFrom().item(now.plus(HOST_BUSY_RETRY));
                    }
                    // Waits no longer (a slot came free otherwise): the host's waiters stay those still waiting.
                    waitingForSlot.computeIfPresent(spec.ip(), (ip, waiting) -> waiting.remove(key) && waiting.isEmpty() ? null : waiting);
                    follow(operationId, deadline, now);
                    return agents.submit(spec, action, request, notes(key, spec.ip())).replaceWith((Instant) null)
                            .onFailure(HostAgents.InstallingElsewhere.class).recoverWithItem(() -> {
                                // Left in flight: once the other replica's bootstrap is done, following it sends it.
                                followed.remove(operationId);
                                return now.plus(BOOTSTRAP_ELSEWHERE_RETRY);
                            })
                            // Any other failure to hand it over fails the step now, not at its deadline.
                            .onFailure(StepRunner::agentUnavailable).recoverWithUni(e -> failInFlight(key, spec.ip(),
                                    operationId, action, e instanceof BootstrapException ? "bootstrap-failed" : "call-failed",
                                    e.getMessage(), credentialsRefused(e), now())); // after a bootstrap: timed when it failed
                })
                .onFailure(StaleDecision.class).recoverWithItem(now);
    }

    /** A bootstrap's start and end, as events of the resource whose step needed it. */
    private BootstrapNotes notes(ResourceKey key, String ip) {
        return message -> store.note(key.kind(), key.name(), ip, ResourceEvent.BOOTSTRAP, message);
    }

    /** Asks the agent whether the app is installed and healthy: for a host whose state is unknown or was lost. */
    private Uni<Instant> probe(ResourceKey key, ResourceRecord record, AppSpec app, HostState host, Step step, Instant now,
            Map<String, Heartbeat> heartbeats) {
        HostSpec spec = documents.hostSpec(record, host.ip());
        Duration checkTimeout = Action.CHECK.timeout(app.timeouts(), Action.CHECK.defaultTimeout());
        return agents.probe(spec, request(record, app, host.ip()), checkTimeout, notes(key, host.ip()))
                .chain(status -> decide(key, host.ip(), step, now, heartbeats, (desired, h) -> Transitions.probed(desired, h,
                        status.installed(), status.lastCheck(), now)))
                .onFailure(HostAgents.InstallingElsewhere.class).recoverWithItem(now.plus(BOOTSTRAP_ELSEWHERE_RETRY))
                .onFailure(StepRunner::agentUnavailable).recoverWithUni(e -> decide(key, host.ip(), step, now, heartbeats,
                        (desired, h) -> parkIf(credentialsRefused(e), Transitions.unreachable(h, e.getMessage(), retryAt(now)))));
    }

    /**
     * The action in flight. Its result comes pushed by the agent; it is asked for when this replica did not send it
     * (after a crash, or another replica's), when the rules' next ask has come since this replica last heard of it (the
     * push may be lost), or when it is overdue. An agent that never received it gets it now, under the same id. An
     * agent that says it still runs changes nothing.
     */
    private Uni<Instant> follow(ResourceKey key, ResourceRecord record, AppSpec app, HostState host, Step.Follow follow, Instant now) {
        HostState.InFlight inFlight = follow.inFlight();
        String id = inFlight.operationId();
        Followed heard = followed.get(id);
        if (!follow.overdue() && heard != null && (follow.askBy() == null || !heard.at().isBefore(follow.askBy()))) {
            return Uni.createFrom().nullItem();
        }
        HostSpec spec = documents.hostSpec(record, host.ip());
        String late = "no result for " + inFlight.action().wire() + " within "
                + Duration.between(inFlight.since(), inFlight.deadline()).toSeconds() + "s";
        return agents.operation(spec, id, notes(key, host.ip())).chain(operation -> {
            countAsk(operation == null ? "not-received" : operation.state().finished() ? "finished" : "running");
            if (operation != null && operation.state().finished()) {
                return result(key, host.ip(), operation, false).replaceWith(now);
            }
            if (follow.overdue()) {
                return failInFlight(key, host.ip(), id, inFlight.action(), "no-result", late, false, now);
            }
            if (operation != null) {
                follow(id, inFlight.deadline(), now);
                return Uni.createFrom().nullItem();
            }
            // Claimed, but the apiserver stopped before the agent got it: send it now, under its name.
            return agents.submit(spec, inFlight.action(), request(record, app, host.ip()).withOperationId(id), notes(key, host.ip()))
                    .invoke(() -> follow(id, inFlight.deadline(), now)).replaceWith((Instant) null);
        })
                .onFailure(HostAgents.InstallingElsewhere.class).recoverWithItem(now.plus(BOOTSTRAP_ELSEWHERE_RETRY))
                .onFailure(StepRunner::agentUnavailable).recoverWithUni(e -> {
                    countAsk("unreachable");
                    if (follow.overdue() || credentialsRefused(e)) {
                        return failInFlight(key, host.ip(), id, inFlight.action(), "no-result", follow.overdue()
                                ? late + " (" + e.getMessage() + ")" : e.getMessage(), credentialsRefused(e), now());
                    }
                    if (heard == null && e instanceof BootstrapException) {
                        // Never handed over here (claimed while the host's bootstrap was another step's, or before a
                        // restart), and no agent can be installed to take it: fail it now, visibly and with backoff, as
                        // a step that could not hand it over does, not a bootstrap every few seconds until its deadline.
                        return failInFlight(key, host.ip(), id, inFlight.action(), "bootstrap-failed", e.getMessage(), false,
                                now());
                    }
                    if (heard != null) {
                        // Only an ask in case the push was lost: the next one is soon enough.
                        follow(id, inFlight.deadline(), now);
                        return Uni.createFrom().nullItem();
                    }
                    return Uni.createFrom().item(now.plus(FOLLOW_RETRY));
                });
    }

    /** A removed host is uninstalled: it leaves the record, and its agent forgets the application. */
    private Uni<Instant> drop(ResourceKey key, ResourceRecord record, HostState host, Step step, Instant now,
            Map<String, Heartbeat> heartbeats) {
        HostSpec spec = documents.hostSpec(record, host.ip());
        return store.update(key.kind(), key.name(), r -> write(r, now, heartbeats, fresh -> {
                    decideOn(fresh, host.ip(), step, now, heartbeats, (desired, h) -> Transition.none(h));
                    fresh.dropHost(host.ip(), documents.retiredHostsWithout(fresh, host.ip()), now);
                }))
                .call(() -> spec == null ? Uni.createFrom().voidItem() : agents.forget(spec, key.kind(), key.name()))
                .replaceWith(now)
                .onFailure(StaleDecision.class).recoverWithItem(now);
    }

    /** {@code DELETE …?uninstall=true} is done on every host: the record goes, and the agents forget the application. */
    private Uni<Instant> finishDeletion(ResourceKey key) {
        return store.deleteIf(key.kind(), key.name(), StepRunner::uninstalledForDeletion, null).call(deleted -> deleted == null
                ? Uni.createFrom().voidItem() : forgetEverywhere(deleted)).replaceWith((Instant) null);
    }

    /** Tells every host's agent to stop managing a deleted resource; hosts that do not answer are let be. */
    public Uni<Void> forgetEverywhere(ResourceRecord deleted) {
        List<Uni<Void>> calls = java.util.stream.Stream.concat(documents.hosts(deleted).stream(), documents.retiredHosts(deleted).stream())
                .map(host -> contexts.run(() -> agents.forget(host.withDefaults(), deleted.kind, deleted.name))).toList();
        return calls.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(calls).andCollectFailures().replaceWithVoid();
    }

    /**
     * Applies an action's result, whoever delivered it (the agent's push, or a follow-up); emits the record as written
     * when it decided anything, else null. {@code fromAgent}: pushed by host {@code ip}'s agent, refused (403) unless the
     * resource is on that host.
     */
    public Uni<ResourceRecord> result(ResourceKey key, String ip, Operation operation, boolean fromAgent) {
        Instant now = now();
        boolean[] decided = {false};
        return store.update(key.kind(), key.name(), r -> write(r, now, fresh -> {
            HostState before = fromAgent ? fresh.hostOfAgent(ip) : fresh.host(ip).orElse(null);
            if (before == null) {
                return; // the host has left the resource
            }
            Desired desired = documents.desired(fresh);
            // The rules ignore a late or repeated result (its step is over): then nothing changes, and nothing is recorded.
            decided[0] = fresh.apply(desired, ip, h -> Transitions.result(desired, h, operation, now, retryAt(now)), now) != before;
            if (decided[0]) {
                fresh.recordResult(operation, ip, now);
            }
        })).map(written -> {
            if (!decided[0]) {
                return null;
            }
            followed.remove(operation.id());
            count(operation);
            return written;
        });
    }

    /**
     * Whether a health report from host {@code ip}'s agent would change {@code record} beyond noting that the host was
     * heard (a state, a failure, what the check said). Only such reports are written; the host's heartbeat keeps the rest.
     */
    public boolean reportChanges(ResourceRecord record, String ip, CheckReport report) {
        HostState before = record.host(ip).orElse(null);
        if (before == null) {
            return false;
        }
        Instant now = now();
        return before.changedBeyondHearing(Transitions.report(documents.desired(record), before, report, now, timing,
                retryAt(now)).host());
    }

    /** Applies a health report from host {@code ip}'s agent; emits the record as written. */
    public Uni<ResourceRecord> report(ResourceKey key, String ip, CheckReport report) {
        return store.update(key.kind(), key.name(), reportOf(ip, report));
    }

    /** {@link #report} to {@code read}, a record just read: written from it, unless it was written since. */
    public Uni<ResourceRecord> report(ResourceRecord read, String ip, CheckReport report) {
        return store.update(read, reportOf(ip, report));
    }

    private Consumer<ResourceRecord> reportOf(String ip, CheckReport report) {
        Instant now = now();
        return r -> write(r, now, fresh -> {
            if (fresh.host(ip).isPresent()) {
                Desired desired = documents.desired(fresh);
                fresh.apply(desired, ip, h -> Transitions.report(desired, h, report, now, timing, retryAt(now)), now);
            }
        });
    }

    /**
     * Host {@code ip} freed an action slot (a result from there was applied): the resources whose steps found it busy
     * since, each once, to be woken rather than wait for {@link #HOST_BUSY_RETRY}.
     */
    public Set<ResourceKey> slotFreed(String ip) {
        Set<ResourceKey> waiting = waitingForSlot.remove(ip);
        return waiting == null ? Set.of() : waiting;
    }

    /** Notes that this replica heard of {@code operationId} at {@code at}: sent it, or learnt from its agent that it runs. */
    private void follow(String operationId, Instant deadline, Instant at) {
        if (followed.size() > followedPruneAt) {
            Instant now = now();
            followed.values().removeIf(entry -> entry.deadline().isBefore(now));
            // The next scan waits for the map to double: one scan per call once thousands of operations were in flight
            // at once, none yet past its deadline, cost a fleet's convergence time that grew with its square.
            followedPruneAt = Math.max(FOLLOWED_PRUNE_AT, 2 * followed.size());
        }
        followed.put(operationId, new Followed(at, deadline));
    }

    /** When this replica last heard of an operation it follows, and the operation's deadline. */
    private record Followed(Instant at, Instant deadline) {
    }

    /**
     * Fails the step whose operation is {@code operationId}, if it is still the one in flight on the host; {@code park}:
     * the host refused its credentials ({@link Transitions#parked}).
     */
    private Uni<Instant> failInFlight(ResourceKey key, String ip, String operationId, Action action, String outcome,
            String reason, boolean park, Instant now) {
        count(action, outcome);
        return store.update(key.kind(), key.name(), r -> write(r, now, fresh -> {
            HostState host = fresh.host(ip).orElse(null);
            if (host != null && host.inFlight() != null && host.inFlight().operationId().equals(operationId)) {
                Desired desired = documents.desired(fresh);
                fresh.apply(desired, ip, h -> parkIf(park, Transitions.failed(desired, h, action, reason, now, retryAt(now),
                        Transition.Cause.RECONCILER)), now);
            }
        })).invoke(() -> followed.remove(operationId)).replaceWith(now);
    }

    private static Transition parkIf(boolean refused, Transition failedStep) {
        return refused ? Transitions.parked(failedStep) : failedStep;
    }

    private static boolean credentialsRefused(Throwable failure) {
        return failure instanceof BootstrapException bootstrap && bootstrap.credentialsRefused();
    }

    /** Writes a host's transition only if the rules, on the record as it is now, still name {@code step}. */
    private Uni<Instant> decide(ResourceKey key, String ip, Step step, Instant now, Map<String, Heartbeat> heartbeats,
            HostRule rule) {
        return store.update(key.kind(), key.name(),
                        r -> write(r, now, heartbeats, fresh -> decideOn(fresh, ip, step, now, heartbeats, rule)))
                .replaceWith(now)
                .onFailure(StaleDecision.class).recoverWithItem(now);
    }

    private void decideOn(ResourceRecord fresh, String ip, Step step, Instant now, Map<String, Heartbeat> heartbeats,
            HostRule rule) {
        Desired desired = documents.desired(fresh);
        HostState host = fresh.host(ip).orElseThrow(StaleDecision::new);
        Step still = liveness(fresh, heartbeats, now).next(desired, fresh.hostStates(), host, timing);
        if (!still.equals(step)) {
            throw new StaleDecision();
        }
        fresh.apply(desired, ip, h -> rule.apply(desired, h), now);
    }

    /** Every write of the engine: the change, then the resource's next due time from the rules. */
    private void write(ResourceRecord record, Instant now, Consumer<ResourceRecord> change) {
        write(record, now, Map.of(), change);
    }

    /**
     * A write that knows the hosts' heartbeats. Without them, a host's silence is timed from its own last report: at
     * worst that brings an extra pass, which reads them.
     */
    private void write(ResourceRecord record, Instant now, Map<String, Heartbeat> heartbeats, Consumer<ResourceRecord> change) {
        change.accept(record);
        record.dueAt = dueAt(record, now, heartbeats);
    }

    /** When the resource next needs a pass: {@link Summary#dueAt}, or now when a deletion can be finished. */
    private Instant dueAt(ResourceRecord record, Instant now, Map<String, Heartbeat> heartbeats) {
        if (uninstalledForDeletion(record)) {
            return now;
        }
        return Summary.dueAt(liveness(record, heartbeats, now).steps(documents.desired(record), record.hostStates(), timing), now);
    }

    private Liveness liveness(ResourceRecord record, Map<String, Heartbeat> heartbeats, Instant now) {
        return new Liveness(heartbeats, record.kind.wire(), record.name, silence(documents.app(record)), timing.reportSilence(), now);
    }

    private static boolean uninstalledForDeletion(ResourceRecord record) {
        return record.deleting && record.hostStates().stream()
                .allMatch(h -> h.realtime() == RealtimeState.NOT_INSTALLED && h.inFlight() == null);
    }

    private Duration silence(AppSpec app) {
        return timing.silenceFor(app.checkInterval() != null ? app.checkInterval() : (int) settings.checkInterval().toSeconds());
    }

    private AgentRequest request(ResourceRecord record, AppSpec app, String ip) {
        List<String> ips = documents.hosts(record).stream().map(HostSpec::ip).toList();
        return AgentRequest.of(record.name, record.kind, operator.ip(), operator.port(), app,
                (int) settings.checkInterval().toSeconds(), new AgentRequest.Placement(ip, ips.indexOf(ip), ips));
    }

    private IntFunction<Instant> retryAt(Instant now) {
        return failures -> now.plus(backoff.delay(failures, ThreadLocalRandom.current()));
    }

    private void count(Action action, String outcome) {
        metrics.counter("paas.actions", "action", action.wire(), "outcome", outcome).increment();
    }

    /** How the agents answered asks for results in flight: "finished" ones are results whose push had not arrived. */
    private void countAsk(String answer) {
        metrics.counter("paas.result.asks", "answer", answer).increment();
    }

    private void count(Operation operation) {
        count(operation.action(), operation.state().wire());
        if (operation.durationMs() != null) {
            metrics.timer("paas.action.duration", "action", operation.action().wire()).record(Duration.ofMillis(operation.durationMs()));
        }
    }

    private Instant now() {
        return store.now();
    }

    /** The agent could not be reached, refused, or could not be installed: the step learns nothing now. */
    private static boolean agentUnavailable(Throwable failure) {
        return failure instanceof AgentCallException || failure instanceof BootstrapException;
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ProblemException problem && problem.status() == 404;
    }

    /** A host's transition, given what the resource asks now. */
    @FunctionalInterface
    interface HostRule {
        Transition apply(Desired desired, HostState host);
    }

    /** The record changed since the decision, and the rules no longer name the same step: decide again. */
    static final class StaleDecision extends RuntimeException {
        StaleDecision() {
            super("the resource changed since the decision", null, false, false);
        }
    }
}
