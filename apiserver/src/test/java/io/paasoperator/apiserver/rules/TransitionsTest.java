package io.paasoperator.apiserver.rules;

import static io.paasoperator.apiserver.rules.StateMachineTest.NOW;
import static io.paasoperator.apiserver.rules.StateMachineTest.TIMING;
import static io.paasoperator.apiserver.rules.StateMachineTest.desired;
import static io.paasoperator.apiserver.rules.StateMachineTest.host;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.rules.HostState.Planned;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class TransitionsTest {

    /** The backoff the tests read: 2^failures seconds. */
    static final IntFunction<Instant> RETRY = failures -> NOW.plusSeconds(1L << failures);

    static HostState inFlight(String realtime, Action action, long generation) {
        return host("10.0.0.1", realtime).withInFlight(new HostState.InFlight(action, "op-1", NOW, NOW.plusSeconds(60), generation));
    }

    static Operation finished(String id, Action action, Operation.State state) {
        return Operation.started(id, "r", ResourceKind.DATABASE, action, NOW).finish(state, NOW.plusSeconds(1), 0, "out", null);
    }

    @Test
    void beginningAnActionStoresItsIdAndShowsTheTransitionalState() {
        HostState next = Transitions.begin(desired("running"), host("10.0.0.1", "stopped"),
                new Step.Run(Action.START, null), "op-7", NOW, NOW.plusSeconds(90)).host();
        assertEquals(RealtimeState.STARTING, next.realtime());
        assertEquals(new HostState.InFlight(Action.START, "op-7", NOW, NOW.plusSeconds(90), 1), next.inFlight());
    }

    @Test
    void onlyTheResultOfTheActionInFlightDecides() {
        HostState busy = inFlight("installing", Action.INSTALL, 3);
        Transition stray = Transitions.result(desired("running"), busy, finished("op-other", Action.INSTALL, Operation.State.SUCCEEDED), NOW, RETRY);
        assertSame(busy, stray.host());
        HostState done = Transitions.result(desired("running"), busy, finished("op-1", Action.INSTALL, Operation.State.SUCCEEDED), NOW, RETRY).host();
        assertEquals(RealtimeState.STOPPED, done.realtime());
        assertEquals(3, done.generation(), "the host now runs the generation the install carried");
        assertNull(done.inFlight());
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "install,   succeeded,   stopped",
            "stop,      succeeded,   stopped",
            "start,     succeeded,   starting",
            "restart,   succeeded,   restarting",
            "uninstall, succeeded,   not-installed",
            "install,   failed,      failed",
            "start,     timed-out,   failed",
            "stop,      interrupted, unknown",
    })
    void resultsLeaveTheseStates(String action, String state, String after) {
        Action verb = Action.fromWire(action);
        HostState busy = inFlight(StateMachine.during(verb).wire(), verb, 1);
        Operation result = finished("op-1", verb, io.paasoperator.contract.WireValue.require(Operation.State.class, state));
        assertEquals(RealtimeState.fromWire(after), Transitions.result(desired("running"), busy, result, NOW, RETRY).host().realtime());
    }

    @Test
    void aHealthyReportThatCameFirstIsNotUndoneByTheStartResult() {
        HostState running = inFlight("running", Action.START, 1);
        assertEquals(RealtimeState.RUNNING, Transitions.result(desired("running"), running,
                finished("op-1", Action.START, Operation.State.SUCCEEDED), NOW, RETRY).host().realtime());
    }

    /** SPEC.md §4, health reports: (expect, realtime before, healthy?) -> realtime after. */
    @ParameterizedTest(name = "expect {0}, realtime {1}, healthy {2} -> {3}")
    @CsvSource({
            "running,       starting,      true,  running",
            "running,       restarting,    true,  running",
            "running,       failed,        true,  running",
            "running,       unknown,       true,  running",
            "running,       running,       true,  running",
            "running,       running,       false, failed",
            "running,       unknown,       false, failed",
            "running,       starting,      false, starting",
            "running,       restarting,    false, restarting",
            "stopped,       stopped,       true,  running",
            "stopped,       running,       false, stopped",
            "stopped,       stopped,       false, stopped",
            "not-installed, not-installed, true,  not-installed",
            "running,       not-installed, true,  not-installed",
            "not-installed, not-installed, false, not-installed",
            "running,       installing,    true,  installing",
            "running,       stopping,      true,  stopping",
            "not-installed, uninstalling,  true,  uninstalling",
            "stopped,       stopping,      false, stopping",
            "running,       failed,        false, failed",
    })
    void healthReports(String expect, String realtime, boolean healthy, String after) {
        CheckReport report = new CheckReport(healthy ? "0" : "1", "m");
        assertEquals(RealtimeState.fromWire(after), Transitions.report(desired(expect), host("10.0.0.1", realtime), report,
                NOW, TIMING, RETRY).host().realtime());
    }

    @Test
    void aHealthyReportWhileARestartRunsWaitsForTheRestartsResult() {
        // The verdict may have been checked before the old process stopped: running is claimed only after the result.
        HostState restarting = host("10.0.0.1", "running")
                .withInFlight(new HostState.InFlight(Action.RESTART, "op-1", NOW, NOW.plusSeconds(60), 1))
                .withRealtime(RealtimeState.RESTARTING, NOW);
        HostState heard = Transitions.report(desired("running"), restarting, new CheckReport("0", "up"), NOW, TIMING, RETRY).host();
        assertEquals(RealtimeState.RESTARTING, heard.realtime());
        assertEquals("up", heard.lastCheck().msg());
        HostState restarted = Transitions.result(desired("running"), heard,
                finished("op-1", Action.RESTART, Operation.State.SUCCEEDED), NOW, RETRY).host();
        assertEquals(RealtimeState.RESTARTING, restarted.realtime());
        assertEquals(RealtimeState.RUNNING, Transitions.report(desired("running"), restarted, new CheckReport("0", "up"),
                NOW, TIMING, RETRY).host().realtime());
    }

    @Test
    void anUnhealthyReportWhileRunningIsAFailedStepThatBacksOff() {
        HostState crashed = Transitions.report(desired("running"), host("10.0.0.1", "running"), new CheckReport("1", "refused"),
                NOW, TIMING, RETRY).host();
        assertEquals(RealtimeState.FAILED, crashed.realtime());
        assertEquals(1, crashed.failureCount());
        assertEquals("unhealthy: refused", crashed.lastError());
        assertEquals(NOW.plusSeconds(2), crashed.nextRetryAt());
    }

    @Test
    void aCrashLoopBacksOffLongerEachTimeUntilTheAppStaysHealthy() {
        HostState host = host("10.0.0.1", "running");
        Instant previousDelay = NOW;
        for (int round = 1; round <= 4; round++) {
            host = Transitions.report(desired("running"), host, new CheckReport("1", "crashed"), NOW, TIMING, RETRY).host();
            assertEquals(round, host.failureCount());
            assertTrue(host.nextRetryAt().isAfter(previousDelay), "each retry waits longer");
            previousDelay = host.nextRetryAt();
            // The start script succeeds and the app answers once: neither forgets the failures.
            host = host.withInFlight(new HostState.InFlight(Action.START, "op-" + round, NOW, NOW.plusSeconds(60), 1))
                    .withRealtime(RealtimeState.STARTING, NOW);
            host = Transitions.result(desired("running"), host, finished("op-" + round, Action.START, Operation.State.SUCCEEDED), NOW, RETRY).host();
            host = Transitions.report(desired("running"), host, new CheckReport("0", "up"), NOW, TIMING, RETRY).host();
            assertEquals(RealtimeState.RUNNING, host.realtime());
            assertEquals(round, host.failureCount());
        }
        // Healthy for longer than stableAfter: the slate is clean.
        Instant later = NOW.plus(TIMING.stableAfter());
        host = Transitions.report(desired("running"), host, new CheckReport("0", "up"), later, TIMING, RETRY).host();
        assertEquals(0, host.failureCount());
    }

    @Test
    void anExpiredStartGraceIsAFailedStep() {
        HostState starting = HostState.fresh("10.0.0.1", RealtimeState.STARTING, 1, NOW.minusSeconds(200));
        Step.Expire expire = new Step.Expire(RealtimeState.FAILED, "no healthy check", true);
        HostState next = Transitions.expire(desired("running"), starting, expire, NOW, RETRY).host();
        assertEquals(RealtimeState.FAILED, next.realtime());
        assertEquals(Action.START, next.failedAction());
        assertEquals(1, next.failureCount());
        assertEquals(NOW.plusSeconds(2), next.nextRetryAt());
    }

    @Test
    void aTurnEndsWhenTheHostIsBackRunningTheCurrentGeneration() {
        Desired v2 = new Desired(ExpectedState.RUNNING, 2, 1, true, false);
        HostState starting = host("10.0.0.1", "starting").withGeneration(2).withPlanned(Planned.ROLLOUT);
        HostState healthy = Transitions.report(v2, starting, new CheckReport("0", "up"), NOW, TIMING, RETRY).host();
        assertEquals(RealtimeState.RUNNING, healthy.realtime());
        assertNull(healthy.planned());
        // Running, but on the old generation: the turn goes on.
        HostState old = host("10.0.0.1", "starting").withPlanned(Planned.ROLLOUT);
        assertEquals(Planned.ROLLOUT, Transitions.report(v2, old, new CheckReport("0", "up"), NOW, TIMING, RETRY).host().planned());
    }

    @Test
    void aProbeFindsOutWhatIsThere() {
        HostState unknown = host("10.0.0.1", "unknown");
        assertEquals(RealtimeState.NOT_INSTALLED, Transitions.probed(desired("running"), unknown, false, null, NOW).host().realtime());
        assertEquals(RealtimeState.RUNNING, Transitions.probed(desired("stopped"), unknown, true, new CheckReport("0", "ok"), NOW).host().realtime());
        assertEquals(RealtimeState.FAILED, Transitions.probed(desired("running"), unknown, true, new CheckReport("1", "no"), NOW).host().realtime());
        assertEquals(RealtimeState.STOPPED, Transitions.probed(desired("stopped"), unknown, true, new CheckReport("1", "no"), NOW).host().realtime());
        HostState unreachable = Transitions.unreachable(unknown, "no agent answers", RETRY).host();
        assertEquals(RealtimeState.UNKNOWN, unreachable.realtime());
        assertEquals(1, unreachable.failureCount());
        assertEquals(Duration.ofSeconds(2), Duration.between(NOW, unreachable.nextRetryAt()));
    }
}
