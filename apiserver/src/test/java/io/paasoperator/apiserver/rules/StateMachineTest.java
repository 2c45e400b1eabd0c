package io.paasoperator.apiserver.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.rules.HostState.Planned;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class StateMachineTest {

    static final Instant NOW = Instant.parse("2026-06-28T10:00:00Z");
    static final Timing TIMING = Timing.DEFAULT;
    static final Duration SILENCE = TIMING.reportSilence();

    /** A fresh host: realtime entered just now, a report just arrived, no failure, nothing in flight, generation 1. */
    static HostState host(String ip, String realtime) {
        return HostState.fresh(ip, RealtimeState.fromWire(realtime), 1, NOW)
                .withReport(new HostState.LastCheck("0", "ok", NOW));
    }

    static Desired desired(String expect) {
        return new Desired(ExpectedState.fromWire(expect), 1, 1, true, false);
    }

    static Step next(Desired desired, List<HostState> hosts, HostState host) {
        return StateMachine.next(desired, hosts, host, NOW, TIMING, SILENCE);
    }

    static Step next(Desired desired, HostState host) {
        return next(desired, List.of(host), host);
    }

    static String describe(Step step) {
        if (step instanceof Step.Run run) {
            return run.action().wire() + (run.planned() == null ? "" : "(" + run.planned().wire() + ")");
        }
        if (step instanceof Step.Expire expire) {
            return "expire->" + expire.state().wire();
        }
        if (step instanceof Step.Wait wait && wait.why().equals("converged")) {
            return "converged";
        }
        return step.getClass().getSimpleName().toLowerCase();
    }

    /** A create stores no due time exactly when the rules would find nothing to do, now or later, on its fresh hosts. */
    @Test
    void aNewResourceRestsOnlyWhenTheRulesFindNothingEverDue() {
        int resting = 0;
        for (ExpectedState expect : ExpectedState.values()) {
            for (RealtimeState realtime : RealtimeState.values()) {
                long installed = realtime == RealtimeState.NOT_INSTALLED ? 0 : 1;
                List<HostState> hosts = List.of(HostState.fresh("127.0.0.2", realtime, installed, NOW),
                        HostState.fresh("127.0.0.3", realtime, installed, NOW));
                Instant due = Summary.dueAt(new Desired(expect, 1, 1, true, false), hosts, NOW, TIMING, SILENCE);
                assertEquals(due == null, StateMachine.restsWhenCreated(expect, realtime), expect + "/" + realtime + ": due " + due);
                resting += due == null ? 1 : 0;
            }
        }
        assertEquals(1, resting);
    }

    /** Every (expect, realtime) pair: SPEC.md §4's table, plus what the transitional and unknown states lead to. */
    @ParameterizedTest(name = "expect {0}, realtime {1} -> {2}")
    @CsvSource({
            "running,       not-installed, install",
            "running,       running,       converged",
            "running,       stopped,       start",
            "running,       failed,        start",
            "running,       unknown,       probe",
            "running,       installing,    probe",
            "running,       starting,      wait",
            "running,       stopping,      probe",
            "running,       restarting,    wait",
            "running,       uninstalling,  probe",
            "stopped,       not-installed, install",
            "stopped,       running,       stop",
            "stopped,       stopped,       converged",
            "stopped,       failed,        stop",
            "stopped,       unknown,       probe",
            "stopped,       installing,    probe",
            "stopped,       starting,      wait",
            "stopped,       stopping,      probe",
            "stopped,       restarting,    wait",
            "stopped,       uninstalling,  probe",
            "not-installed, not-installed, converged",
            "not-installed, running,       stop",
            "not-installed, stopped,       uninstall",
            "not-installed, failed,        uninstall",
            "not-installed, unknown,       probe",
            "not-installed, installing,    probe",
            "not-installed, starting,      wait",
            "not-installed, stopping,      probe",
            "not-installed, restarting,    wait",
            "not-installed, uninstalling,  probe",
    })
    void nextStepForEveryPair(String expect, String realtime, String expected) {
        assertEquals(expected, describe(next(desired(expect), host("10.0.0.1", realtime))));
    }

    @Test
    void theTableCoversEveryPair() {
        Set<String> seen = new HashSet<>();
        for (ExpectedState e : ExpectedState.values()) {
            for (RealtimeState r : RealtimeState.values()) {
                seen.add(describe(next(desired(e.wire()), host("10.0.0.1", r.wire()))));
            }
        }
        assertEquals(Set.of("converged", "wait", "probe", "install", "start", "stop", "uninstall"), seen);
    }

    @Test
    void aFailedInstallIsRetriedAsInstallWhenTheAppIsWanted() {
        for (String expect : new String[] {"running", "stopped"}) {
            HostState failed = host("10.0.0.1", "failed").withFailures(Action.INSTALL, 1, "boom", null);
            assertEquals("install", describe(next(desired(expect), failed)), expect);
        }
    }

    @Test
    void notInstalledAfterAFailedInstallAsksTheAgentWhatIsThereInsteadOfRunningAnyScript() {
        HostState failed = host("10.0.0.1", "failed").withFailures(Action.INSTALL, 3, "download failed", NOW.plusSeconds(60));
        HostState asked = Transitions.askedAnew(failed);
        assertEquals(0, asked.failureCount());
        assertEquals("probe", describe(next(desired("not-installed"), asked)), "neither an uninstall with no scripts nor an install");

        Transition nothingThere = Transitions.probed(desired("not-installed"), asked, false, null, NOW);
        assertEquals(RealtimeState.NOT_INSTALLED, nothingThere.host().realtime());
        assertEquals("converged", describe(next(desired("not-installed"), nothingThere.host())));
        Transition leftSomething = Transitions.probed(desired("not-installed"), asked, true, null, NOW);
        assertEquals("uninstall", describe(next(desired("not-installed"), leftSomething.host())), "what the install left goes");
    }

    @Test
    void aHostThatRefusedItsCredentialsIsParkedUntilAskedAnew() {
        HostState host = host("10.0.0.1", "not-installed");
        Transition failed = Transitions.failed(desired("running"), host, Action.INSTALL, "SSH login as 'root' at 10.0.0.1:22 refused",
                NOW, failures -> NOW.plusSeconds(2), Transition.Cause.RECONCILER);
        HostState parked = Transitions.parked(failed).host();

        assertTrue(parked.parked());
        assertNull(parked.nextRetryAt(), "no timed retry");
        assertTrue(parked.lastError().startsWith("SSH login as 'root' at 10.0.0.1:22 refused; not tried again until"), parked.lastError());
        Step step = StateMachine.next(desired("running"), List.of(parked), parked, NOW.plus(Duration.ofDays(1)), TIMING, SILENCE);
        assertEquals(new Step.Wait(null, "parked: " + parked.lastError()), step, "a day later, still nothing tried");

        HostState asked = Transitions.askedAnew(parked);
        assertFalse(asked.parked());
        assertEquals("install", describe(next(desired("running"), asked)));
    }

    @Test
    void aHostNotAsAskedIsNotHeldBackByTheTurns() {
        HostState inTurn = host("10.0.0.1", "stopping").withPlanned(Planned.ROLLOUT);
        HostState stopped = host("10.0.0.2", "stopped");
        Desired v2 = generation(2, 1);
        assertEquals("start", describe(next(v2, List.of(inTurn, stopped), stopped)), "brought up now, rolled later");
        // Asked to stop during a roll-out: a running host stops at once, without waiting for its turn.
        HostState running = host("10.0.0.2", "running");
        assertEquals("stop", describe(next(new Desired(ExpectedState.STOPPED, 2, 1, true, false), List.of(inTurn, running), running)));
    }

    @Test
    void restartUsesTheScriptWhenThereIsOneElseStopsFirst() {
        HostState running = host("10.0.0.1", "running").withRestartPending(true);
        assertEquals("restart(restart)", describe(next(desired("running"), running)));
        Desired noScript = new Desired(ExpectedState.RUNNING, 1, 1, false, false);
        assertEquals("stop(restart)", describe(next(noScript, running)));
        // Stopped with the restart still pending: the table's start carries it out.
        assertEquals("start", describe(next(noScript, host("10.0.0.1", "stopped").withRestartPending(true))));
    }

    @Test
    void aBackoffHoldsTheNextStepUntilItsTime() {
        Instant retryAt = NOW.plusSeconds(8);
        HostState failed = host("10.0.0.1", "failed").withFailures(Action.START, 2, "boom", retryAt);
        Step step = next(desired("running"), failed);
        assertEquals(new Step.Wait(retryAt, "backing off after 2 failed starts"), step);
        assertEquals("start", describe(StateMachine.next(desired("running"), List.of(failed), failed, retryAt, TIMING, SILENCE)));
    }

    @Test
    void silenceMakesAnInstalledHostUnknownAtLeastThreeIntervalsLater() {
        HostState quiet = HostState.fresh("10.0.0.1", RealtimeState.RUNNING, 1, NOW.minusSeconds(31));
        assertEquals("expire->unknown", describe(next(desired("running"), quiet)));
        // A check interval of 60 s: three intervals of silence are allowed before unknown.
        Duration silence = TIMING.silenceFor(60);
        assertEquals(Duration.ofSeconds(180), silence);
        assertEquals("converged", describe(StateMachine.next(desired("running"), List.of(quiet), quiet, NOW, TIMING, silence)));
        assertEquals(TIMING.reportSilence(), TIMING.silenceFor(5));
    }

    @Test
    void aStartThatNeverTurnsHealthyIsAFailedStep() {
        HostState starting = HostState.fresh("10.0.0.1", RealtimeState.STARTING, 1, NOW.minus(TIMING.startGrace()));
        Step step = next(desired("running"), starting);
        assertEquals(new Step.Expire(RealtimeState.FAILED, "no healthy check within 120s of starting", true), step);
        HostState young = HostState.fresh("10.0.0.1", RealtimeState.STARTING, 1, NOW.minusSeconds(5));
        assertInstanceOf(Step.Wait.class, next(desired("running"), young));
    }

    @Test
    void anActionInFlightIsFollowedAndOverdueAtItsDeadline() {
        HostState.InFlight inFlight = new HostState.InFlight(Action.INSTALL, "op-1", NOW.minusSeconds(10), NOW.plusSeconds(5), 1);
        HostState busy = host("10.0.0.1", "installing").withInFlight(inFlight);
        // Its first ask (30 s after it was sent) would come after the deadline: the deadline is when to look again.
        assertEquals(new Step.Follow(inFlight, false, null, NOW.plusSeconds(5)), next(desired("running"), busy));
        assertEquals(new Step.Follow(inFlight, true, null, NOW.plusSeconds(5)),
                StateMachine.next(desired("running"), List.of(busy), busy, NOW.plusSeconds(5), TIMING, SILENCE));
    }

    /** Asks 30 s after sending, then after 60, 120, 240 s, then every 300 s (the cap), until the deadline. */
    @ParameterizedTest(name = "{0} s after sending: last ask due at {1}, look again at {2}")
    @CsvSource({
            "0,    ,     30",
            "29,   ,     30",
            "30,   30,   90",
            "89,   30,   90",
            "90,   90,   210",
            "210,  210,  450",
            "449,  210,  450",
            "450,  450,  750",
            "751,  750,  1050",
            "1650, 1650, 1830",
            "1829, 1650, 1830",
    })
    void theAgentIsAskedForAResultAtGrowingIntervalsUntilTheDeadline(long elapsed, Long lastAsk, long lookAgain) {
        Instant sent = NOW.minusSeconds(elapsed);
        HostState.InFlight inFlight = new HostState.InFlight(Action.INSTALL, "op-1", sent, sent.plusSeconds(1830), 1);
        HostState busy = host("10.0.0.1", "installing").withInFlight(inFlight);
        assertEquals(new Step.Follow(inFlight, false, lastAsk == null ? null : sent.plusSeconds(lastAsk), sent.plusSeconds(lookAgain)),
                next(desired("running"), busy));
    }

    @Test
    void theAskIntervalDoublesUpToItsCapFromWhateverFirstDelay() {
        Timing quick = new Timing(SILENCE, TIMING.startGrace(), TIMING.stableAfter(), Duration.ofSeconds(1), Duration.ofSeconds(3));
        // 1, 3 (after 2), 6 (after the cap, 3), 9, 12, …
        assertEquals(new Timing.ResultPolls(null, NOW.plusSeconds(1)), quick.resultPolls(NOW, NOW));
        assertEquals(new Timing.ResultPolls(NOW.plusSeconds(3), NOW.plusSeconds(6)), quick.resultPolls(NOW, NOW.plusSeconds(5)));
        assertEquals(new Timing.ResultPolls(NOW.plusSeconds(3000), NOW.plusSeconds(3003)),
                quick.resultPolls(NOW, NOW.plusSeconds(3001)));
        Timing capped = new Timing(SILENCE, TIMING.startGrace(), TIMING.stableAfter(), Duration.ofSeconds(2), Duration.ofSeconds(2));
        assertEquals(new Timing.ResultPolls(NOW.plusSeconds(4), NOW.plusSeconds(6)), capped.resultPolls(NOW, NOW.plusSeconds(5)));
        assertThrows(IllegalArgumentException.class,
                () -> new Timing(SILENCE, TIMING.startGrace(), TIMING.stableAfter(), Duration.ZERO, Duration.ofSeconds(2)));
    }

    // ---- several hosts: roll-out and restart take turns --------------------------------------------------

    static Desired generation(long generation, int maxInFlight) {
        return new Desired(ExpectedState.RUNNING, generation, maxInFlight, true, false);
    }

    @Test
    void aNewGenerationStopsThenInstallsOneHostAtATime() {
        HostState a = host("10.0.0.1", "running");
        HostState b = host("10.0.0.2", "running");
        Desired v2 = generation(2, 1);
        assertEquals("stop(rollout)", describe(next(v2, List.of(a, b), a)));
        // a's turn has begun: b waits for its own.
        HostState aStopping = a.withPlanned(Planned.ROLLOUT);
        assertEquals(new Step.Wait(NOW.plus(SILENCE), "waiting for its turn"), next(v2, List.of(aStopping, b), b));
        // a stopped on the old generation: it installs the new one, then the table starts it.
        HostState aStopped = host("10.0.0.1", "stopped").withPlanned(Planned.ROLLOUT);
        assertEquals("install(rollout)", describe(next(v2, List.of(aStopped, b), aStopped)));
        HostState aInstalled = aStopped.withGeneration(2);
        assertEquals("start", describe(next(v2, List.of(aInstalled, b), aInstalled)));
        // Two at a time when max_in_flight is 2.
        assertEquals("stop(rollout)", describe(next(generation(2, 2), List.of(aStopping, b), b)));
    }

    @Test
    void aFailedHostPausesTheRollOutAndTheOthersKeepServing() {
        HostState failed = host("10.0.0.1", "failed").withPlanned(Planned.ROLLOUT).withGeneration(2)
                .withFailures(Action.START, 1, "start.sh exited 1", null);
        HostState b = host("10.0.0.2", "running");
        Desired v2 = generation(2, 2);
        assertEquals(true, StateMachine.rolloutPaused(List.of(failed, b)));
        assertEquals(new Step.Wait(NOW.plus(SILENCE), "the roll-out is paused by a failed host"), next(v2, List.of(failed, b), b));
        // The failed host itself keeps trying, with backoff.
        assertEquals("start", describe(next(v2, List.of(failed, b), failed)));
    }

    @Test
    void aNewHostAndAHostDownAnywayAreBroughtUpOutsideTheTurns() {
        HostState inTurn = host("10.0.0.1", "stopping").withPlanned(Planned.ROLLOUT);
        HostState fresh = HostState.fresh("10.0.0.3", RealtimeState.NOT_INSTALLED, 0, NOW);
        HostState crashed = host("10.0.0.2", "failed");
        Desired v2 = generation(2, 1);
        assertEquals("install", describe(next(v2, List.of(inTurn, crashed, fresh), fresh)));
        assertEquals("start", describe(next(v2, List.of(inTurn, crashed, fresh), crashed)));
    }

    @Test
    void aRemovedHostIsUninstalledThenDropped() {
        HostState leaving = host("10.0.0.9", "running").asRemoving();
        assertEquals("stop", describe(next(desired("running"), List.of(leaving), leaving)));
        HostState stopped = host("10.0.0.9", "stopped").asRemoving();
        assertEquals("uninstall", describe(next(desired("running"), List.of(stopped), stopped)));
        HostState gone = HostState.fresh("10.0.0.9", RealtimeState.NOT_INSTALLED, 0, NOW).asRemoving();
        assertEquals("drop", describe(next(desired("running"), List.of(gone), gone)));
    }

    @Test
    void aResourceBeingDeletedUninstallsEveryHost() {
        Desired deleting = new Desired(ExpectedState.NOT_INSTALLED, 1, 1, true, true);
        HostState running = host("10.0.0.1", "running");
        assertEquals("stop", describe(next(deleting, running)));
        // No roll-out or restart while going away.
        assertEquals("stop", describe(next(new Desired(ExpectedState.RUNNING, 5, 1, true, true), running.withRestartPending(true))));
    }

    @Test
    void restartsTakeTurnsLikeARollOut() {
        HostState a = host("10.0.0.1", "running").withRestartPending(true);
        HostState b = host("10.0.0.2", "running").withRestartPending(true);
        Desired one = generation(1, 1);
        assertEquals("restart(restart)", describe(next(one, List.of(a, b), a)));
        HostState aRestarting = host("10.0.0.1", "restarting").withPlanned(Planned.RESTART);
        assertEquals(new Step.Wait(NOW.plus(SILENCE), "waiting for its turn"), next(one, List.of(aRestarting, b), b));
    }
}
