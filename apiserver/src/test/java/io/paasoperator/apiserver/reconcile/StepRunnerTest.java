package io.paasoperator.apiserver.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paasoperator.apiserver.context.FreshContexts;
import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.agentclient.OperatorAddress;
import io.paasoperator.apiserver.bootstrap.BootstrapException;
import io.paasoperator.apiserver.bootstrap.BootstrapNotes;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.resource.CreateRequest;
import io.paasoperator.apiserver.host.InMemoryHostStore;
import io.paasoperator.apiserver.resource.InMemoryResourceStore;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import java.nio.file.Path;
import io.paasoperator.apiserver.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link StepRunner}, one pass at a time, with no Quarkus and no database: an in-memory store, a scripted agent, and a
 * clock the test moves. Every Uni here completes synchronously.
 */
class StepRunnerTest {

    static final Instant T0 = Instant.parse("2026-06-28T10:00:00Z");
    static final String IP1 = "10.0.0.1";
    static final String IP2 = "10.0.0.2";
    static final ResourceKind KIND = ResourceKind.DATABASE;
    static final AppSpec APP = new AppSpec("http://repo.example/pg", "install.sh", "start.sh", "stop.sh", "restart.sh",
            "check.sh", "uninstall.sh", null, Map.of("PORT", "5432"), null, null, null, null);
    /** The default backoff base (2s) with its ±20% jitter, then doubling. */
    static final Duration BASE = Duration.ofSeconds(2);
    /** An install's deadline: its default time limit plus the result grace. */
    static final Duration INSTALL_DEADLINE = Action.INSTALL.defaultTimeout().plus(Duration.ofSeconds(30));
    /** How long after sending an action its agent is first asked for the result (in case the push is lost). */
    static final Duration FIRST_ASK = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    MutableClock clock;
    ObjectMapper json;
    ResourceDocuments documents;
    InMemoryResourceStore store;
    InMemoryHostStore hostStore;
    FakeAgents agents;
    Settings settings;
    SimpleMeterRegistry metrics;
    StepRunner runner;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(T0);
        json = JsonMapper.builder().addModule(new JavaTimeModule()).disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
        byte[] key = new byte[32];
        for (int i = 0; i < key.length; i++) {
            key[i] = (byte) i;
        }
        SecretCipher cipher = new SecretCipher(Optional.of(Base64.getEncoder().encodeToString(key)), Optional.empty(), dataDir);
        documents = new ResourceDocuments(json, cipher);
        hostStore = new InMemoryHostStore();
        store = new InMemoryResourceStore(documents, clock, hostStore);
        agents = new FakeAgents(clock);
        settings = new Settings();
        metrics = new SimpleMeterRegistry();
        runner = newRunner();
    }

    /** A StepRunner as after a start of the apiserver: it has sent and followed nothing yet. */
    StepRunner newRunner() {
        return new StepRunner(store, documents, agents, new OperatorAddress(Optional.of("192.0.2.10"), Optional.of(3336), 8080),
                settings, metrics, new SameContext());
    }

    /** No Vert.x here: every unit of work runs where it is subscribed to, synchronously. */
    static final class SameContext extends FreshContexts {
        SameContext() {
            super(null);
        }

        @Override
        public <T> Uni<T> run(Supplier<Uni<T>> work) {
            return Uni.createFrom().<T>deferred(work::get);
        }
    }

    // ------------------------------------------------------------------------------------------------ each step kind

    @Test
    void installIsClaimedUnderAnOperationIdStoredInFlightAndSentUnderThatId() throws Exception {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);

        assertNull(pass(key), "sent: its result comes by push");

        assertEquals(List.of(IP1), agents.ready, "the agent made ready first");
        assertEquals(1, agents.submits.size());
        Submit sent = agents.submits.get(0);
        assertEquals(IP1, sent.ip());
        assertEquals(Action.INSTALL, sent.action());
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.INSTALLING, host.realtime());
        assertNotNull(host.inFlight());
        String id = host.inFlight().operationId();
        assertNotNull(id);
        assertEquals(id, sent.request().operationId(), "sent under the id stored with the claim");
        assertEquals(Action.INSTALL, host.inFlight().action());
        assertEquals(T0, host.inFlight().since());
        assertEquals(T0.plus(INSTALL_DEADLINE), host.inFlight().deadline());
        assertEquals(1, store.inFlightOn(IP1));
        assertEquals(T0.plus(FIRST_ASK), record(key).dueAt, "due again when its agent is first asked for the result");

        // As the API shows it: detail.hosts[].in_flight.operation_id
        JsonNode view = json.valueToTree(documents.view(record(key)));
        assertEquals(id, view.at("/detail/hosts/0/in_flight/operation_id").asText());
        assertEquals("install", view.at("/detail/hosts/0/in_flight/action").asText());
        assertEquals("installing", view.at("/app/status/realtime").asText());

        AgentRequest request = sent.request();
        assertEquals("db1", request.name());
        assertEquals(KIND, request.type());
        assertEquals("192.0.2.10", request.operatorIp());
        assertEquals("3336", request.operatorPort());
        assertEquals(IP1, request.hostIp());
        assertEquals(Integer.valueOf(0), request.hostIndex());
        assertEquals("install.sh", request.install());
        assertEquals(Integer.valueOf(10), request.checkInterval());

        // Its own action: followed by push, not asked for before the first ask, never sent twice.
        clock.advance(Duration.ofSeconds(5));
        assertNull(pass(key));
        assertEquals(1, agents.submits.size());
        assertTrue(agents.lookups.isEmpty());
        assertEquals(id, host(key, IP1).inFlight().operationId());
    }

    /**
     * What a result wrote is what the reconciler wakes the resource on: due at once when the rules name a step to take,
     * later (or never) when they name a wait, so that a result that leaves nothing to do costs no pass.
     */
    @Test
    void aResultLeavesTheResourceDueAtOnceWhenItsNextStepIsToBeTakenAndLaterWhenItWaits() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        pass(key);
        clock.advance(Duration.ofSeconds(2));
        ResourceRecord installed = runner.result(key, IP1, finished(agents.submits.get(0).request().operationId(),
                Action.INSTALL, Operation.State.SUCCEEDED, null), true).await().indefinitely();
        assertEquals(clock.instant(), installed.dueAt, "installed, expected running: its start is due at once");

        pass(key);
        assertEquals(Action.START, agents.submits.get(1).action());
        clock.advance(Duration.ofSeconds(2));
        ResourceRecord started = runner.result(key, IP1, finished(agents.submits.get(1).request().operationId(),
                Action.START, Operation.State.SUCCEEDED, null), true).await().indefinitely();
        assertTrue(started.dueAt == null || started.dueAt.isAfter(clock.instant()),
                "started: nothing to do before its first report or a deadline, due " + started.dueAt);
    }

    @Test
    void theResultOfTheActionInFlightIsApplied() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        pass(key);
        String id = agents.submits.get(0).request().operationId();
        clock.advance(Duration.ofSeconds(7));

        assertNull(runner.result(key, IP1, finished(id + "-other", Action.INSTALL, Operation.State.SUCCEEDED, null), true)
                .await().indefinitely(), "a result for another operation decides nothing");
        assertEquals(RealtimeState.INSTALLING, host(key, IP1).realtime());

        assertNotNull(runner.result(key, IP1, finished(id, Action.INSTALL, Operation.State.SUCCEEDED, null), true).await().indefinitely());
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.STOPPED, host.realtime());
        assertEquals(1, host.generation());
        assertNull(host.inFlight());
        assertEquals(T0.plusSeconds(7), host.realtimeSince());
        assertEquals(0, store.inFlightOn(IP1), "the host's action slot is free again");
        assertTrue(store.history().stream().anyMatch(e -> ResourceEvent.ACTION.equals(e.type) && id.equals(e.operationId)),
                "the result is in the history");
        assertEquals(1.0, metrics.counter("paas.actions", "action", "install", "outcome", "succeeded").count());

        long version = record(key).version;
        assertNull(runner.result(key, IP1, finished(id, Action.INSTALL, Operation.State.SUCCEEDED, null), true).await().indefinitely(),
                "a repeated result decides nothing");
        assertEquals(version, record(key).version);
        assertEquals(1, store.history().stream().filter(e -> ResourceEvent.ACTION.equals(e.type) && id.equals(e.operationId)).count(),
                "each result recorded once");

        // Installed and stopped, expected running: the next pass starts it, under a new id.
        assertNull(pass(key));
        assertEquals(2, agents.submits.size());
        Submit start = agents.submits.get(1);
        assertEquals(Action.START, start.action());
        assertNotEquals(id, start.request().operationId());
        assertEquals(start.request().operationId(), host(key, IP1).inFlight().operationId());
        assertEquals(RealtimeState.STARTING, host(key, IP1).realtime());
    }

    @Test
    void anUnknownHostIsProbed() {
        ResourceKey key = create("db1", RealtimeState.UNKNOWN, IP1);
        agents.probeAnswer = new AppStatus("db1", KIND, true, null, new CheckReport("0", "accepting connections"));

        assertEquals(T0, pass(key), "it changed: look again now");

        assertEquals(List.of(IP1), agents.probes);
        assertTrue(agents.submits.isEmpty());
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.RUNNING, host.realtime());
        assertEquals("accepting connections", host.lastCheck().msg());
        assertEquals(T0, host.lastReportAt());
        assertEquals(RealtimeState.RUNNING, record(key).realtime);
    }

    @Test
    void aProbeFindingNothingInstalledMakesTheHostNotInstalled() {
        ResourceKey key = create("db1", RealtimeState.UNKNOWN, IP1);
        agents.probeAnswer = new AppStatus("db1", KIND, false, null, null);

        pass(key);

        HostState host = host(key, IP1);
        assertEquals(RealtimeState.NOT_INSTALLED, host.realtime());
        assertEquals(0, host.generation());
        pass(key);
        assertEquals(Action.INSTALL, agents.submits.get(0).action(), "then installed");
    }

    @Test
    void aProbeThatCannotReachTheAgentBacksOffAndKeepsTheState() {
        ResourceKey key = create("db1", RealtimeState.UNKNOWN, IP1);
        agents.probeFailure = new AgentCallException(AgentCallException.Failure.UNREACHABLE, "10.0.0.1:3335 did not answer");

        pass(key);

        HostState host = host(key, IP1);
        assertEquals(RealtimeState.UNKNOWN, host.realtime());
        assertEquals(1, host.failureCount());
        assertEquals("10.0.0.1:3335 did not answer", host.lastError());
        assertBackoff(1, T0, host.nextRetryAt());

        clock.advance(Duration.ofMillis(1500)); // before the earliest retry
        pass(key);
        assertEquals(1, agents.probes.size(), "not probed again during the backoff");
    }

    @Test
    void reportSilenceExpiresToUnknown() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);

        clock.set(T0.plusSeconds(29));
        assertNull(pass(key));
        assertEquals(RealtimeState.RUNNING, host(key, IP1).realtime());
        assertEquals(T0.plusSeconds(30), record(key).dueAt, "due when the silence ends");

        clock.set(T0.plusSeconds(30));
        assertEquals(T0.plusSeconds(30), pass(key));
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.UNKNOWN, host.realtime());
        assertEquals(T0.plusSeconds(30), host.realtimeSince());
        assertEquals(0, host.failureCount(), "silence is no failed step");
        assertEquals(RealtimeState.UNKNOWN, record(key).realtime);
        assertTrue(agents.probes.isEmpty() && agents.submits.isEmpty(), "expiring asks no agent");
        assertTrue(store.history().stream().anyMatch(e -> ResourceEvent.REALTIME.equals(e.type) && "unknown".equals(e.newValue)
                && e.message != null && e.message.contains("no health report for 30s")));
    }

    @Test
    void aFreshHeartbeatOfItsHostStandsForReportsAndTheResourceTimesNoSilence() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);
        hostStore.recordHeartbeat(IP1, T0.plusSeconds(25), Set.of("database/db1")).await().indefinitely();

        clock.set(T0.plusSeconds(54));
        assertNull(pass(key));
        assertEquals(RealtimeState.RUNNING, host(key, IP1).realtime());
        assertNull(record(key).dueAt, "the heartbeat's end wakes it, not a due time");

        clock.set(T0.plusSeconds(55)); // the heartbeat is stale: it counts as the last report
        pass(key);
        assertEquals(RealtimeState.UNKNOWN, host(key, IP1).realtime());
        assertEquals(T0.plusSeconds(55), host(key, IP1).realtimeSince());
    }

    @Test
    void aHeartbeatThatDoesNotListTheApplicationLeavesItsSilenceAlone() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);
        hostStore.recordHeartbeat(IP1, T0.plusSeconds(25), Set.of("database/other", "middleware/db1")).await().indefinitely();

        clock.set(T0.plusSeconds(30));
        pass(key);
        assertEquals(RealtimeState.UNKNOWN, host(key, IP1).realtime());
    }

    @Test
    void onlyAReportThatChangesSomethingNeedsAWrite() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);
        assertTrue(runner.reportChanges(record(key), IP1, new CheckReport("0", "ok")), "the first words of a check");
        runner.report(key, IP1, new CheckReport("0", "ok")).await().indefinitely();

        clock.advance(Duration.ofSeconds(10));
        assertFalse(runner.reportChanges(record(key), IP1, new CheckReport("0", "ok")), "the same again");
        assertTrue(runner.reportChanges(record(key), IP1, new CheckReport("0", "ok, 3 clients")), "new words");
        assertTrue(runner.reportChanges(record(key), IP1, new CheckReport("1", "down")), "unhealthy");
        assertFalse(runner.reportChanges(record(key), IP2, new CheckReport("1", "down")), "not one of its hosts");
    }

    @Test
    void aStartThatNeverTurnsHealthyFailsAfterTheGrace() {
        ResourceKey key = create("db1", RealtimeState.STARTING, IP1);

        clock.set(T0.plusSeconds(119));
        assertNull(pass(key));
        assertEquals(RealtimeState.STARTING, host(key, IP1).realtime());
        assertEquals(T0.plusSeconds(120), record(key).dueAt);

        clock.set(T0.plusSeconds(120));
        pass(key);
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.FAILED, host.realtime());
        assertEquals(Action.START, host.failedAction());
        assertEquals(1, host.failureCount());
        assertEquals("no healthy check within 120s of starting", host.lastError());
        assertBackoff(1, T0.plusSeconds(120), host.nextRetryAt());
        assertEquals(host.nextRetryAt(), record(key).dueAt, "due when the backoff ends");
        assertTrue(agents.submits.isEmpty());
    }

    @Test
    void aRemovedHostIsUninstalledThenDroppedAndItsAgentForgetsTheApp() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1, IP2);
        // PUT with IP2 gone from the host list (a new generation: IP1 rolls out meanwhile, which is not looked at here)
        store.replaceSpec(KIND, new CreateRequest("db1", List.of(hostSpec(IP1)), APP, null, null, false, 1), null, "test")
                .await().indefinitely();
        assertTrue(host(key, IP2).removing());

        pass(key);
        assertEquals(List.of(Action.STOP), actionsOn(IP2));
        completeLast(key, IP2);

        pass(key);
        assertEquals(List.of(Action.STOP, Action.UNINSTALL), actionsOn(IP2));
        completeLast(key, IP2);
        assertEquals(RealtimeState.NOT_INSTALLED, host(key, IP2).realtime());
        assertTrue(agents.forgets.isEmpty(), "not forgotten before it is gone from the record");

        pass(key);
        ResourceRecord record = record(key);
        assertEquals(List.of(IP1), record.hostStates().stream().map(HostState::ip).toList(), "dropped");
        assertEquals("[]", record.retiredHosts);
        assertEquals(List.of(IP2 + " database/db1"), agents.forgets);
        assertEquals(List.of(Action.STOP, Action.UNINSTALL), actionsOn(IP2), "nothing more sent to the dropped host");
        assertTrue(store.history().stream().anyMatch(e -> ResourceEvent.HOST_REMOVED.equals(e.type) && IP2.equals(e.host)));
    }

    List<Action> actionsOn(String ip) {
        return agents.submits.stream().filter(s -> s.ip().equals(ip)).map(Submit::action).toList();
    }

    /** The agent of {@code ip} pushes a success for the last operation sent to it. */
    void completeLast(ResourceKey key, String ip) {
        List<Submit> sent = agents.submits.stream().filter(s -> s.ip().equals(ip)).toList();
        complete(key, ip, agents.submits.indexOf(sent.get(sent.size() - 1)), Operation.State.SUCCEEDED);
    }

    // ------------------------------------------------------------------------------------ crash recovery by op id

    /** Leaves IP1 installing under {@code id}, as a replica that crashed after claiming it would have. */
    ResourceKey leftInFlight(String id) {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        HostState.InFlight inFlight = new HostState.InFlight(Action.INSTALL, id, T0, T0.plus(INSTALL_DEADLINE), 1);
        store.setHostStates(KIND, "db1", List.of(HostState.fresh(IP1, RealtimeState.INSTALLING, 0, T0).withInFlight(inFlight)));
        clock.advance(Duration.ofSeconds(40)); // the apiserver restarts
        runner = newRunner();
        return key;
    }

    @Test
    void afterACrashAFinishedOperationIsAppliedAndNotSentAgain() {
        ResourceKey key = leftInFlight("op-before-crash");
        agents.operations.put("op-before-crash", finished("op-before-crash", Action.INSTALL, Operation.State.SUCCEEDED, null));

        assertEquals(clock.instant(), pass(key));

        assertEquals(List.of("op-before-crash"), agents.lookups);
        assertTrue(agents.submits.isEmpty(), "the script is not sent again");
        HostState host = host(key, IP1);
        assertNull(host.inFlight());
        assertEquals(RealtimeState.STOPPED, host.realtime());
        assertEquals(1, host.generation());
    }

    @Test
    void afterACrashAnOperationTheAgentNeverGotIsSentUnderTheSameId() {
        ResourceKey key = leftInFlight("op-before-crash");

        assertNull(pass(key));

        assertEquals(List.of("op-before-crash"), agents.lookups);
        assertEquals(1, agents.submits.size());
        Submit resent = agents.submits.get(0);
        assertEquals("op-before-crash", resent.request().operationId(), "the same id: the agent runs it once");
        assertEquals(Action.INSTALL, resent.action());
        assertEquals(IP1, resent.ip());
        assertEquals("op-before-crash", host(key, IP1).inFlight().operationId(), "still the same step");

        pass(key);
        assertEquals(1, agents.lookups.size(), "followed by push from now on");
        assertEquals(1, agents.submits.size());
    }

    @Test
    void afterACrashAnOperationStillRunningIsWaitedFor() {
        ResourceKey key = leftInFlight("op-before-crash");
        agents.operations.put("op-before-crash",
                Operation.started("op-before-crash", "db1", KIND, Action.INSTALL, T0.plusSeconds(1)));
        HostState before = host(key, IP1);

        assertNull(pass(key));

        assertEquals(List.of("op-before-crash"), agents.lookups);
        assertTrue(agents.submits.isEmpty(), "nothing sent while it runs");
        assertEquals(before, host(key, IP1), "the record keeps waiting");
        assertEquals(T0.plusSeconds(90), record(key).dueAt, "the next ask for its result: 30 s, then 60 s after it was sent");

        pass(key);
        assertEquals(1, agents.lookups.size(), "not asked again before its next ask");

        assertNotNull(runner.result(key, IP1, finished("op-before-crash", Action.INSTALL, Operation.State.SUCCEEDED, null), true)
                .await().indefinitely(), "its pushed result is applied");
        assertEquals(RealtimeState.STOPPED, host(key, IP1).realtime());
    }

    @Test
    void aLostResultIsAskedForAtGrowingIntervalsAndAppliedOnceFinished() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        pass(key);
        String id = agents.submits.get(0).request().operationId();
        long version = record(key).version;

        clock.set(T0.plus(FIRST_ASK));
        assertNull(pass(key));
        assertEquals(List.of(id), agents.lookups, "asked: its push may have been lost");
        assertEquals(version, record(key).version, "still running: nothing written");
        assertEquals(RealtimeState.INSTALLING, host(key, IP1).realtime());
        assertEquals(T0.plusSeconds(90), record(key).dueAt, "the next ask, 60 s after the first");

        clock.set(T0.plusSeconds(89));
        pass(key);
        assertEquals(1, agents.lookups.size(), "not asked between two asks");

        // The install ended at 80 s and its push never arrived.
        agents.operations.put(id, Operation.started(id, "db1", KIND, Action.INSTALL, T0)
                .finish(Operation.State.SUCCEEDED, T0.plusSeconds(80), 0, "done", null));
        clock.set(T0.plusSeconds(90));
        assertEquals(clock.instant(), pass(key), "the result is applied: the next step can be taken at once");
        assertEquals(List.of(id, id), agents.lookups);
        HostState host = host(key, IP1);
        assertNull(host.inFlight());
        assertEquals(RealtimeState.STOPPED, host.realtime());
        assertEquals(1, store.history().stream().filter(e -> ResourceEvent.ACTION.equals(e.type) && id.equals(e.operationId)).count(),
                "the result found by asking is recorded as a pushed one is");
        assertEquals(1, agents.submits.size(), "nothing sent again");
        assertEquals(1.0, metrics.counter("paas.result.asks", "answer", "running").count());
        assertEquals(1.0, metrics.counter("paas.result.asks", "answer", "finished").count(), "a result whose push was lost");
    }

    @Test
    void anAskThatCannotReachTheAgentWaitsForTheNextAsk() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        pass(key);
        agents.lookupFailure = new AgentCallException(AgentCallException.Failure.UNREACHABLE, "10.0.0.1:3335 did not answer");

        clock.set(T0.plus(FIRST_ASK));
        assertNull(pass(key), "no sooner retry: the push may still come");
        assertEquals(1, agents.lookups.size());
        assertEquals(RealtimeState.INSTALLING, host(key, IP1).realtime(), "an agent out of reach fails nothing before the deadline");
        assertEquals(T0.plusSeconds(90), record(key).dueAt);
        pass(key);
        assertEquals(1, agents.lookups.size(), "not asked again before the next ask");
    }

    @Test
    void anOperationWithNoResultByItsDeadlineFailsTheStep() {
        ResourceKey key = leftInFlight("op-before-crash");
        agents.operations.put("op-before-crash",
                Operation.started("op-before-crash", "db1", KIND, Action.INSTALL, T0.plusSeconds(1)));
        pass(key);

        clock.set(T0.plus(INSTALL_DEADLINE));
        pass(key);

        HostState host = host(key, IP1);
        assertNull(host.inFlight());
        assertEquals(RealtimeState.FAILED, host.realtime());
        assertEquals(Action.INSTALL, host.failedAction());
        assertEquals("no result for install within 1830s", host.lastError());
        assertEquals(2, agents.lookups.size(), "asked once more at the deadline");
        assertTrue(agents.submits.isEmpty());
    }

    // ------------------------------------------------------------------------------------------------ failure rules

    @Test
    void aRefusedCallFailsTheStepWithAGrowingBackoff() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        agents.submitFailure = new AgentCallException(AgentCallException.Failure.REFUSED, "agent refused install: 400 bad script");

        Duration previous = Duration.ZERO;
        for (int failures = 1; failures <= 3; failures++) {
            Instant now = clock.instant();
            pass(key);
            assertEquals(failures, agents.submits.size(), "claimed and sent each time");
            HostState host = host(key, IP1);
            assertEquals(RealtimeState.FAILED, host.realtime());
            assertEquals(Action.INSTALL, host.failedAction());
            assertEquals(failures, host.failureCount());
            assertEquals("agent refused install: 400 bad script", host.lastError());
            assertNull(host.inFlight());
            assertEquals(0, store.inFlightOn(IP1), "the slot is released");
            assertBackoff(failures, now, host.nextRetryAt());
            Duration delay = Duration.between(now, host.nextRetryAt());
            assertTrue(delay.compareTo(previous) > 0, "the backoff grows: " + delay + " after " + previous);
            previous = delay;

            clock.set(host.nextRetryAt().minusMillis(1));
            pass(key);
            assertEquals(failures, agents.submits.size(), "nothing sent during the backoff");
            clock.set(host.nextRetryAt());
        }
        assertEquals(3.0, metrics.counter("paas.actions", "action", "install", "outcome", "call-failed").count());
        long errors = store.history().stream().filter(e -> e.message != null && e.message.contains("400 bad script")).count();
        assertTrue(errors >= 3, "every failure is in the history");
    }

    @Test
    void aFailedBootstrapFailsTheStepWithItsReason() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        agents.readyFailure = new BootstrapException("cannot reach SSH at 10.0.0.1:22: connection refused (3 attempts)");

        assertEquals(T0, pass(key));

        assertTrue(agents.submits.isEmpty());
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.FAILED, host.realtime());
        assertEquals(Action.INSTALL, host.failedAction());
        assertEquals(1, host.failureCount());
        assertEquals("cannot reach SSH at 10.0.0.1:22: connection refused (3 attempts)", host.lastError());
        assertNull(host.inFlight(), "the claim is given up");
        assertEquals(0, store.inFlightOn(IP1));
        assertFalse(host.parked(), "an unreachable host is tried again");
        assertBackoff(1, T0, host.nextRetryAt());
        assertEquals(1.0, metrics.counter("paas.actions", "action", "install", "outcome", "bootstrap-failed").count());
    }

    /** The install step shows from its claim on, and the agent's bootstrap inside it is in the events. */
    @Test
    void aBootstrapIsAVisiblePartOfTheStepThatNeedsIt() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        List<RealtimeState> seenDuringBootstrap = new ArrayList<>();
        agents.bootstrap = notes -> {
            seenDuringBootstrap.add(host(key, IP1).realtime());
            return notes.note("installing the agent on 10.0.0.1 as 'root': nothing answers at 10.0.0.1:3335")
                    .chain(() -> notes.note("agent build abc installed on 10.0.0.1 and answering after 4s"));
        };

        pass(key);

        assertEquals(List.of(RealtimeState.INSTALLING), seenDuringBootstrap, "installing while the agent is installed");
        List<String> notes = store.history().stream().filter(e -> ResourceEvent.BOOTSTRAP.equals(e.type))
                .map(e -> e.host + ": " + e.message).toList();
        assertEquals(List.of("10.0.0.1: installing the agent on 10.0.0.1 as 'root': nothing answers at 10.0.0.1:3335",
                "10.0.0.1: agent build abc installed on 10.0.0.1 and answering after 4s"), notes);
        assertEquals(1, agents.submits.size(), "then the install is sent");
    }

    @Test
    void aHostThatRefusesItsCredentialsIsParkedUntilTheyChangeOrAUserAsksAnew() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        agents.readyFailure = BootstrapException.credentialsRefused(
                "SSH login as 'root' at 10.0.0.1:22 refused: wrong password (auth[0])", null);

        pass(key);

        HostState host = host(key, IP1);
        assertEquals(RealtimeState.FAILED, host.realtime());
        assertTrue(host.parked());
        assertNull(host.nextRetryAt());
        assertTrue(host.lastError().contains("not tried again until the host's credentials change"), host.lastError());
        assertNull(record(key).dueAt, "nothing due");
        clock.advance(Duration.ofDays(1));
        pass(key);
        assertEquals(1, agents.ready.size(), "one login attempt, not one per backoff");

        agents.readyFailure = null;
        store.update(KIND, "db1", r -> r.changeExpect(ExpectedState.RUNNING, clock.instant())).await().indefinitely();
        pass(key);
        assertEquals(2, agents.ready.size(), "asked anew: tried again");
        assertFalse(host(key, IP1).parked());
        assertEquals(Action.INSTALL, agents.submits.get(0).action());
    }

    @Test
    void notInstalledAfterAFailedInstallIsReachedByAskingTheAgentNotByRunningScripts() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        agents.readyFailure = new BootstrapException("download failed");
        pass(key);
        assertEquals(Action.INSTALL, host(key, IP1).failedAction());
        agents.readyFailure = null;
        agents.probeAnswer = new AppStatus("db1", KIND, false, null, null);

        store.update(KIND, "db1", r -> r.changeExpect(ExpectedState.NOT_INSTALLED, clock.instant())).await().indefinitely();
        pass(key);

        assertEquals(List.of(IP1), agents.probes);
        assertTrue(agents.submits.isEmpty(), "no script run: " + agents.submits);
        assertEquals(RealtimeState.NOT_INSTALLED, host(key, IP1).realtime());
        assertEquals(RealtimeState.NOT_INSTALLED, record(key).realtime);
    }

    @Test
    void anUnhealthyReportWhileRunningFailsTheStep() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);
        clock.advance(Duration.ofSeconds(5));

        ResourceRecord healthy = runner.report(key, IP1, new CheckReport("0", "ok")).await().indefinitely();
        assertEquals(RealtimeState.RUNNING, host(key, IP1).realtime(), "healthy: nothing changes");
        assertTrue(healthy.dueAt == null || healthy.dueAt.isAfter(clock.instant()), "nothing to do: " + healthy.dueAt);
        assertEquals(T0.plusSeconds(5), host(key, IP1).lastReportAt(), "but it is heard");

        ResourceRecord unhealthy = runner.report(key, IP1, new CheckReport("1", "port 5432 closed")).await().indefinitely();
        HostState host = host(key, IP1);
        assertEquals(host.nextRetryAt(), unhealthy.dueAt, "due when its backoff ends, not at once");
        assertEquals(RealtimeState.FAILED, host.realtime());
        assertEquals(Action.START, host.failedAction());
        assertEquals(1, host.failureCount());
        assertEquals("unhealthy: port 5432 closed", host.lastError());
        assertEquals("1", host.lastCheck().code());
        assertBackoff(1, T0.plusSeconds(5), host.nextRetryAt());
        assertEquals(RealtimeState.FAILED, record(key).realtime);

        clock.set(host.nextRetryAt());
        pass(key);
        assertEquals(Action.START, agents.submits.get(0).action(), "started again after the backoff");
    }

    @Test
    void aReportForAHostWhoseAppIsNotInstalledChangesNothing() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        HostState before = host(key, IP1);
        long version = record(key).version;

        runner.report(key, IP1, new CheckReport("0", "ok")).await().indefinitely();
        runner.report(key, IP1, new CheckReport("1", "down")).await().indefinitely();
        assertEquals(before, host(key, IP1));
        assertEquals(version, record(key).version, "nothing written");

        runner.report(key, "10.9.9.9", new CheckReport("1", "down")).await().indefinitely(); // not one of its hosts
        assertEquals(version, record(key).version, "nothing written for a host it does not have");

        // Installing: the install's own result decides; the report changes no state.
        pass(key);
        HostState installing = host(key, IP1);
        runner.report(key, IP1, new CheckReport("1", "down")).await().indefinitely();
        HostState after = host(key, IP1);
        assertEquals(RealtimeState.INSTALLING, after.realtime());
        assertEquals(installing.inFlight(), after.inFlight());
        assertEquals(0, after.failureCount());
    }

    @Test
    void aSecondResourceOnTheSameHostWaitsWhileTheHostHasMaxPerHostActionsInFlight() {
        settings.maxPerHost = 2;
        ResourceKey a = create("db-a", RealtimeState.NOT_INSTALLED, IP1);
        ResourceKey b = create("db-b", RealtimeState.NOT_INSTALLED, IP1);
        ResourceKey c = create("db-c", RealtimeState.NOT_INSTALLED, IP1);
        ResourceKey elsewhere = create("db-d", RealtimeState.NOT_INSTALLED, IP2);

        pass(a);
        pass(b);
        assertEquals(2, store.inFlightOn(IP1));

        ResourceRecord claimed = record(c); // due later, as a due poll's claim leaves it
        store.setDue(claimed.id, claimed.version, T0.plusSeconds(30)).await().indefinitely();
        assertEquals(T0.plus(StepRunner.HOST_BUSY_RETRY), pass(c), "the host is busy: try again later, unless woken");
        assertEquals(T0, record(c).dueAt, "held back, nothing written: the stored due time is the rules' again");
        assertEquals(2, agents.submits.size(), "nothing sent for the third");
        assertEquals(Set.of(), runner.slotFreed(IP2), "no step waits for the other host");
        HostState waiting = host(c, IP1);
        assertEquals(RealtimeState.NOT_INSTALLED, waiting.realtime());
        assertNull(waiting.inFlight());
        assertEquals(0, waiting.failureCount(), "waiting is no failure");

        pass(elsewhere);
        assertEquals(3, agents.submits.size(), "another host has free slots");
        assertEquals(IP2, agents.submits.get(2).ip());

        complete(a, IP1, 0, Operation.State.SUCCEEDED);
        assertEquals(1, store.inFlightOn(IP1));
        assertEquals(Set.of(c), runner.slotFreed(IP1), "the step held back is named when the host frees a slot");
        assertEquals(Set.of(), runner.slotFreed(IP1), "once");
        assertNull(pass(c));
        assertEquals(4, agents.submits.size());
        assertEquals("db-c", agents.submits.get(3).request().name());
        assertEquals(2, store.inFlightOn(IP1));

        ResourceKey e = create("db-e", RealtimeState.NOT_INSTALLED, IP1);
        assertEquals(T0.plus(StepRunner.HOST_BUSY_RETRY), pass(e), "busy again");
        complete(b, IP1, 1, Operation.State.SUCCEEDED);
        assertNull(pass(e), "its timer came first: it takes the slot");
        assertEquals(Set.of(), runner.slotFreed(IP1), "a step that got its slot waits no longer");
    }

    @Test
    void aDeletionWithUninstallFinishedRemovesTheRecordAndEveryAgentForgetsTheApp() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1, IP2);
        store.startDeleting(KIND, "db1", "test").await().indefinitely();

        pass(key);
        assertEquals(List.of(Action.STOP, Action.STOP), agents.submits.stream().map(Submit::action).toList());
        complete(key, IP1, 0, Operation.State.SUCCEEDED);
        complete(key, IP2, 1, Operation.State.SUCCEEDED);

        pass(key);
        assertEquals(List.of(Action.UNINSTALL, Action.UNINSTALL), agents.submits.subList(2, 4).stream().map(Submit::action).toList());
        complete(key, IP1, 2, Operation.State.SUCCEEDED);
        assertNotNull(store.stored(KIND, "db1"), "one host still uninstalling");
        complete(key, IP2, 3, Operation.State.SUCCEEDED);
        assertTrue(agents.forgets.isEmpty());
        assertEquals(clock.instant(), record(key).dueAt, "due at once to finish");

        assertNull(pass(key));
        assertNull(store.stored(KIND, "db1"), "the record is gone");
        ProblemException gone = assertThrows(ProblemException.class, () -> store.get(KIND, "db1").await().indefinitely());
        assertEquals(404, gone.status());
        assertEquals(List.of(IP1 + " database/db1", IP2 + " database/db1"), agents.forgets.stream().sorted().toList());
        assertTrue(store.history().stream().anyMatch(e -> ResourceEvent.DELETED.equals(e.type)));

        assertNull(pass(key), "a pass over a deleted resource does nothing");
        assertEquals(2, agents.forgets.size());
    }

    @Test
    void aDecisionOverTakenByAConcurrentWriteIsMadeAgainOnFreshData() {
        ResourceKey key = create("db1", RealtimeState.RUNNING, IP1);
        clock.set(T0.plusSeconds(30)); // silent long enough to expire...
        // ...but a healthy report lands between the expiry's read and its commit.
        store.beforeNextCommit(() -> runner.report(key, IP1, new CheckReport("0", "ok")).await().indefinitely());

        pass(key);

        assertEquals(1, store.conflicts, "the stale write was detected");
        HostState host = host(key, IP1);
        assertEquals(RealtimeState.RUNNING, host.realtime(), "on fresh data the rules no longer expire it");
        assertEquals(T0.plusSeconds(30), host.lastReportAt());
    }

    // ------------------------------------------------------------------------------ no step waits for a deadline in vain

    /**
     * The claim is written, then {@code submit} (which readies the agent again, HostAgents.call) fails with a
     * BootstrapException: the step fails visibly at once, instead of waiting in flight for a push that can never come
     * until the action's deadline (30m30s for an install).
     */
    @Test
    void aSubmitFailingWithABootstrapExceptionAfterTheClaimDoesNotLeaveTheStepInFlight() {
        ResourceKey key = create("db1", RealtimeState.NOT_INSTALLED, IP1);
        agents.submitFailure = new BootstrapException("agent on 10.0.0.1 refused our secret; reinstall failed: ssh timeout");

        pass(key);
        clock.advance(Duration.ofMinutes(1));
        pass(key);

        HostState host = host(key, IP1);
        boolean failedVisibly = host.inFlight() == null && host.failureCount() == 1;
        boolean sentAgain = agents.submits.size() > 1;
        assertTrue(failedVisibly || sentAgain, "a minute later the step is still " + host.realtime() + " in flight "
                + host.inFlight() + ", nothing re-sent, no error recorded");
    }

    /** After a crash the agent never got the op, and re-sending it fails once: it is sent again on a later pass. */
    @Test
    void aResendThatFailsIsTriedAgainOnALaterPass() {
        ResourceKey key = leftInFlight("op-before-crash");
        agents.submitFailure = new AgentCallException(AgentCallException.Failure.UNREACHABLE, "10.0.0.1:3335 did not answer");
        pass(key);
        agents.submitFailure = null;

        clock.advance(Duration.ofMinutes(1));
        pass(key);

        assertEquals(2, agents.submits.size(), "the agent still never got op-before-crash, and it is not sent again");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    ResourceKey create(String name, RealtimeState realtime, String... ips) {
        List<HostSpec> hosts = java.util.Arrays.stream(ips).map(StepRunnerTest::hostSpec).toList();
        ResourceRecord record = ResourceRecord.create(KIND, name, documents.storeApp(APP), documents.storeHosts(hosts),
                List.of(ips), 1, ExpectedState.RUNNING, realtime, clock.instant());
        store.put(record);
        return new ResourceKey(KIND, name);
    }

    static HostSpec hostSpec(String ip) {
        return new HostSpec(ip, null, null, List.of(new HostSpec.Credential("root", "pw-" + ip)));
    }

    Instant pass(ResourceKey key) {
        return runner.pass(key).await().indefinitely();
    }

    ResourceRecord record(ResourceKey key) {
        ResourceRecord record = store.stored(key.kind(), key.name());
        assertNotNull(record, key + " is stored");
        return record;
    }

    HostState host(ResourceKey key, String ip) {
        return record(key).host(ip).orElseThrow(() -> new AssertionError(ip + " is no host of " + key));
    }

    /** The agent pushes the result of the {@code index}-th submitted operation. */
    void complete(ResourceKey key, String ip, int index, Operation.State state) {
        Submit submit = agents.submits.get(index);
        assertEquals(ip, submit.ip());
        assertNotNull(runner.result(key, ip, finished(submit.request().operationId(), submit.action(), state, null), true)
                .await().indefinitely(), "the result of " + submit.action().wire() + " on " + ip + " decides");
    }

    Operation finished(String id, Action action, Operation.State state, String reason) {
        Instant now = clock.instant();
        return Operation.started(id, "db1", KIND, action, now.minusSeconds(3)).finish(state, now, 0, "done", reason);
    }

    /** {@code retryAt} is {@code base × 2^(failures-1)} after {@code from}, give or take the 20% jitter. */
    static void assertBackoff(int failures, Instant from, Instant retryAt) {
        assertNotNull(retryAt, "a retry time");
        long nominal = BASE.toMillis() << (failures - 1);
        long delay = Duration.between(from, retryAt).toMillis();
        assertTrue(delay >= nominal * 0.8 - 1 && delay <= nominal * 1.2 + 1,
                "backoff after " + failures + " failures: " + delay + "ms, expected " + nominal + "ms ±20%");
    }

    // ------------------------------------------------------------------------------------------------ test doubles

    record Submit(String ip, Action action, AgentRequest request) {
    }

    /** An agent per host, scripted: records every call; a call runs when subscribed to, as an HTTP call would. */
    static final class FakeAgents implements Agents {
        final Clock clock;
        final List<String> ready = new ArrayList<>();
        final List<Submit> submits = new ArrayList<>();
        final List<String> lookups = new ArrayList<>();
        final List<String> probes = new ArrayList<>();
        final List<String> forgets = new ArrayList<>();
        /** Operations the agent knows, by id; a successful submit adds one, running. */
        final Map<String, Operation> operations = new HashMap<>();
        Throwable readyFailure;
        /** What {@link #ready} does when the agent must be installed first: tells its notes, say. */
        Function<BootstrapNotes, Uni<Void>> bootstrap;
        Throwable submitFailure;
        Throwable probeFailure;
        Throwable lookupFailure;
        AppStatus probeAnswer;

        FakeAgents(Clock clock) {
            this.clock = clock;
        }

        /** What every call does first: the agent made ready, installed first when {@link #bootstrap} says so. */
        private <T> Uni<T> whenReady(HostSpec host, BootstrapNotes notes, Supplier<Uni<T>> call) {
            return Uni.createFrom().deferred(() -> {
                ready.add(host.ip());
                if (readyFailure != null) {
                    return Uni.createFrom().<T>failure(readyFailure);
                }
                return (bootstrap != null ? bootstrap.apply(notes) : Uni.createFrom().voidItem()).chain(ignored -> call.get());
            });
        }

        @Override
        public Uni<Operation> submit(HostSpec host, Action action, AgentRequest request, BootstrapNotes notes) {
            return whenReady(host, notes, () -> {
                submits.add(new Submit(host.ip(), action, request));
                if (submitFailure != null) {
                    return Uni.createFrom().<Operation>failure(submitFailure);
                }
                Operation known = operations.computeIfAbsent(request.operationId(),
                        id -> Operation.started(id, request.name(), request.type(), action, clock.instant()));
                return Uni.createFrom().item(known);
            });
        }

        @Override
        public Uni<Operation> operation(HostSpec host, String id, BootstrapNotes notes) {
            return whenReady(host, notes, () -> {
                lookups.add(id);
                return lookupFailure != null ? Uni.createFrom().<Operation>failure(lookupFailure)
                        : Uni.createFrom().item(operations.get(id));
            });
        }

        @Override
        public Uni<AppStatus> probe(HostSpec host, AgentRequest request, Duration checkTimeout, BootstrapNotes notes) {
            return whenReady(host, notes, () -> {
                probes.add(host.ip());
                if (probeFailure != null) {
                    return Uni.createFrom().<AppStatus>failure(probeFailure);
                }
                return Uni.createFrom().item(probeAnswer);
            });
        }

        @Override
        public Uni<Void> forget(HostSpec host, ResourceKind kind, String name) {
            return Uni.createFrom().deferred(() -> {
                forgets.add(host.ip() + " " + kind.wire() + "/" + name);
                return Uni.createFrom().voidItem();
            });
        }
    }

    /** ReconcileSettings with the defaults of its @WithDefault annotations; {@code maxPerHost} settable. */
    static final class Settings implements ReconcileSettings {
        int maxPerHost = 4;

        @Override
        public boolean enabled() {
            return true;
        }

        @Override
        public Duration reportSilence() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration startGrace() {
            return Duration.ofMinutes(2);
        }

        @Override
        public Duration stableAfter() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration resultGrace() {
            return Duration.ofSeconds(30);
        }

        @Override
        public int maxConcurrent() {
            return 64;
        }

        @Override
        public int maxPerHost() {
            return maxPerHost;
        }

        @Override
        public Duration checkInterval() {
            return Duration.ofSeconds(10);
        }

        @Override
        public Duration duePoll() {
            return Duration.ofSeconds(1);
        }

        @Override
        public int dueBatch() {
            return 256;
        }

        @Override
        public Duration dueClaim() {
            return Duration.ofSeconds(30);
        }

        @Override
        public Duration backoffBase() {
            return Duration.ofSeconds(2);
        }

        @Override
        public Duration backoffCap() {
            return Duration.ofMinutes(5);
        }

        @Override
        public Duration resultPoll() {
            return FIRST_ASK;
        }

        @Override
        public Duration resultPollCap() {
            return Duration.ofMinutes(5);
        }
    }
}
