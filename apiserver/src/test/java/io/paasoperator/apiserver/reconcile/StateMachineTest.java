package io.paasoperator.apiserver.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StateMachineTest {

    private static final Instant NOW = Instant.parse("2026-06-28T10:00:00Z");
    private static final StateMachine.Timing TIMING = StateMachine.Timing.DEFAULT;

    /** A fresh snapshot: realtime entered just now, a report just arrived, no failure, no action in flight. */
    private static ResourceSnapshot snapshot(String expect, String realtime) {
        return new ResourceSnapshot(ExpectedState.fromWire(expect), RealtimeState.fromWire(realtime), NOW, false,
                null, null, null, NOW, true);
    }

    private static String describe(Step step) {
        if (step instanceof Step.Run run) {
            return run.action().wire() + "->" + run.during().wire();
        }
        if (step instanceof Step.Expire expire) {
            return "expire->" + expire.state().wire();
        }
        return step.getClass().getSimpleName().toLowerCase();
    }

    /** Every (expect, realtime) pair: SPEC.md §4's table, plus what the transitional and unknown states lead to. */
    @ParameterizedTest(name = "expect {0}, realtime {1} -> {2}")
    @CsvSource({
            "running,       not-installed, install->installing",
            "running,       running,       converged",
            "running,       stopped,       start->starting",
            "running,       failed,        start->starting",
            "running,       unknown,       probe",
            "running,       installing,    probe",
            "running,       starting,      wait",
            "running,       stopping,      probe",
            "running,       restarting,    wait",
            "running,       uninstalling,  probe",
            "stopped,       not-installed, install->installing",
            "stopped,       running,       stop->stopping",
            "stopped,       stopped,       converged",
            "stopped,       failed,        stop->stopping",
            "stopped,       unknown,       probe",
            "stopped,       installing,    probe",
            "stopped,       starting,      wait",
            "stopped,       stopping,      probe",
            "stopped,       restarting,    wait",
            "stopped,       uninstalling,  probe",
            "not-installed, not-installed, converged",
            "not-installed, running,       stop->stopping",
            "not-installed, stopped,       uninstall->uninstalling",
            "not-installed, failed,        uninstall->uninstalling",
            "not-installed, unknown,       probe",
            "not-installed, installing,    probe",
            "not-installed, starting,      wait",
            "not-installed, stopping,      probe",
            "not-installed, restarting,    wait",
            "not-installed, uninstalling,  probe",
    })
    void nextStepForEveryPair(String expect, String realtime, String expected) {
        assertEquals(expected, describe(StateMachine.next(snapshot(expect, realtime), NOW, TIMING)));
    }

    @Test
    void theTableCoversEveryPair() {
        Set<String> seen = new HashSet<>();
        for (ExpectedState e : ExpectedState.values()) {
            for (RealtimeState r : RealtimeState.values()) {
                seen.add(describe(StateMachine.next(snapshot(e.wire(), r.wire()), NOW, TIMING)));
            }
        }
        assertEquals(Set.of("converged", "wait", "probe", "install->installing", "start->starting", "stop->stopping",
                "uninstall->uninstalling"), seen);
    }

    @Test
    void aFailedInstallIsRetriedAsInstall() {
        for (String expect : new String[] {"running", "stopped"}) {
            var s = new ResourceSnapshot(ExpectedState.fromWire(expect), RealtimeState.FAILED, NOW, false, null,
                    Action.INSTALL, null, NOW, true);
            assertEquals("install->installing", describe(StateMachine.next(s, NOW, TIMING)));
        }
    }

    @Test
    void restartUsesTheScriptWhenThereIsOne() {
        var withScript = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.RUNNING, NOW, true, null, null, null,
                NOW, true);
        assertEquals("restart->restarting", describe(StateMachine.next(withScript, NOW, TIMING)));
    }

    @Test
    void restartWithoutScriptIsStopThenStart() {
        var running = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.RUNNING, NOW, true, null, null, null,
                NOW, false);
        assertEquals("stop->stopping", describe(StateMachine.next(running, NOW, TIMING)));
        var stopped = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.STOPPED, NOW, true, null, null, null,
                NOW, false);
        assertEquals("start->starting", describe(StateMachine.next(stopped, NOW, TIMING)));
        assertEquals(true, StateMachine.afterAction(Action.START, Operation.State.SUCCEEDED, StateMachine.during(Action.START)).restartDone());
        assertEquals(false, StateMachine.afterAction(Action.STOP, Operation.State.SUCCEEDED, StateMachine.during(Action.STOP)).restartDone());
    }

    @Test
    void oneActionAtATime() {
        var s = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.INSTALLING, NOW, false, Action.INSTALL, null,
                null, NOW, true);
        assertInstanceOf(Step.Wait.class, StateMachine.next(s, NOW, TIMING));
    }

    @Test
    void backoffDelaysTheRetryUntilItsTime() {
        Instant retryAt = NOW.plusSeconds(8);
        var s = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.FAILED, NOW, false, null, Action.START,
                retryAt, NOW, true);
        Step before = StateMachine.next(s, NOW, TIMING);
        assertEquals(retryAt, assertInstanceOf(Step.Wait.class, before).until());
        assertEquals("start->starting", describe(StateMachine.next(s, retryAt, TIMING)));
    }

    @Test
    void silenceMakesAnInstalledAppUnknown() {
        Instant lastReport = NOW.minus(TIMING.reportSilence());
        var running = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.RUNNING, NOW.minusSeconds(3600), false,
                null, null, null, lastReport, true);
        assertEquals("expire->unknown", describe(StateMachine.next(running, NOW, TIMING)));
        var heardJustNow = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.RUNNING, NOW.minusSeconds(3600),
                false, null, null, null, lastReport.plusSeconds(1), true);
        assertEquals("converged", describe(StateMachine.next(heardJustNow, NOW, TIMING)));
    }

    @Test
    void aStartThatNeverTurnsHealthyFails() {
        Instant started = NOW.minus(TIMING.startGrace()).minusMillis(1);
        var s = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.STARTING, started, false, null, null, null,
                NOW, true);
        Step step = StateMachine.next(s, NOW, TIMING);
        assertEquals(RealtimeState.FAILED, assertInstanceOf(Step.Expire.class, step).state());
        var young = new ResourceSnapshot(ExpectedState.RUNNING, RealtimeState.STARTING, NOW.minus(Duration.ofSeconds(5)),
                false, null, null, null, NOW, true);
        assertInstanceOf(Step.Wait.class, StateMachine.next(young, NOW, TIMING));
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
            "not-installed, not-installed, true,  running",
            "not-installed, not-installed, false, not-installed",
            "running,       installing,    true,  installing",
            "running,       stopping,      true,  stopping",
            "not-installed, uninstalling,  true,  uninstalling",
            "stopped,       stopping,      false, stopping",
            "running,       failed,        false, failed",
    })
    void healthReports(String expect, String realtime, boolean healthy, String after) {
        assertEquals(RealtimeState.fromWire(after), StateMachine.onHealthReport(ExpectedState.fromWire(expect),
                RealtimeState.fromWire(realtime), healthy));
    }

    @Test
    void actionResults() {
        assertEquals(RealtimeState.STOPPED, StateMachine.afterAction(Action.INSTALL, Operation.State.SUCCEEDED, StateMachine.during(Action.INSTALL)).realtime());
        assertEquals(RealtimeState.STARTING, StateMachine.afterAction(Action.START, Operation.State.SUCCEEDED, StateMachine.during(Action.START)).realtime());
        assertEquals(RealtimeState.STOPPED, StateMachine.afterAction(Action.STOP, Operation.State.SUCCEEDED, StateMachine.during(Action.STOP)).realtime());
        assertEquals(RealtimeState.RESTARTING, StateMachine.afterAction(Action.RESTART, Operation.State.SUCCEEDED, StateMachine.during(Action.RESTART)).realtime());
        assertEquals(RealtimeState.NOT_INSTALLED, StateMachine.afterAction(Action.UNINSTALL, Operation.State.SUCCEEDED, StateMachine.during(Action.UNINSTALL)).realtime());
        for (Action a : new Action[] {Action.INSTALL, Action.START, Action.STOP, Action.RESTART, Action.UNINSTALL}) {
            assertEquals(RealtimeState.FAILED, StateMachine.afterAction(a, Operation.State.FAILED, StateMachine.during(a)).realtime());
        }
        assertThrows(IllegalArgumentException.class, () -> StateMachine.afterAction(Action.CHECK, Operation.State.SUCCEEDED, StateMachine.during(Action.CHECK)));
    }

    @Test
    void aResultOlderThanAHealthyReportDoesNotUndoIt() {
        assertEquals(RealtimeState.RUNNING, StateMachine.afterAction(Action.START, Operation.State.SUCCEEDED, RealtimeState.RUNNING).realtime());
        assertEquals(RealtimeState.RUNNING, StateMachine.afterAction(Action.RESTART, Operation.State.SUCCEEDED, RealtimeState.RUNNING).realtime());
        assertEquals(RealtimeState.STARTING, StateMachine.afterAction(Action.START, Operation.State.SUCCEEDED, RealtimeState.STARTING).realtime());
        assertEquals(RealtimeState.FAILED, StateMachine.afterAction(Action.START, Operation.State.FAILED, RealtimeState.RUNNING).realtime());
    }

    @Test
    void anInterruptedOrTimedOutActionIsUnknownOrFailed() {
        for (Action a : new Action[] {Action.INSTALL, Action.START, Action.STOP, Action.RESTART, Action.UNINSTALL}) {
            assertEquals(RealtimeState.UNKNOWN, StateMachine.afterAction(a, Operation.State.INTERRUPTED, StateMachine.during(a)).realtime());
            assertEquals(RealtimeState.FAILED, StateMachine.afterAction(a, Operation.State.TIMED_OUT, StateMachine.during(a)).realtime());
        }
        assertThrows(IllegalArgumentException.class,
                () -> StateMachine.afterAction(Action.INSTALL, Operation.State.RUNNING, RealtimeState.INSTALLING));
    }

    @Test
    void probes() {
        assertEquals(RealtimeState.NOT_INSTALLED, StateMachine.onProbe(ExpectedState.RUNNING, false, false));
        assertEquals(RealtimeState.RUNNING, StateMachine.onProbe(ExpectedState.STOPPED, true, true));
        assertEquals(RealtimeState.FAILED, StateMachine.onProbe(ExpectedState.RUNNING, true, false));
        assertEquals(RealtimeState.STOPPED, StateMachine.onProbe(ExpectedState.STOPPED, true, false));
    }
}
