package io.paasoperator.apiserver.rules;

import static io.paasoperator.contract.RealtimeState.FAILED;
import static io.paasoperator.contract.RealtimeState.NOT_INSTALLED;
import static io.paasoperator.contract.RealtimeState.RESTARTING;
import static io.paasoperator.contract.RealtimeState.RUNNING;
import static io.paasoperator.contract.RealtimeState.STARTING;
import static io.paasoperator.contract.RealtimeState.STOPPED;
import static io.paasoperator.contract.RealtimeState.UNKNOWN;

import io.paasoperator.apiserver.rules.Transition.Cause;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.function.IntFunction;

/**
 * What each event does to a host (SPEC.md §4): an action claimed, its result, a health report, a probe, a deadline,
 * a step that failed. Pure: the caller supplies the time, and {@code retryAt} (failures in a row → when to try again).
 */
public final class Transitions {

    private Transitions() {
    }

    /** The step is claimed: stored before the agent is called, under the operation id the agent will run it as. */
    public static Transition begin(Desired desired, HostState host, Step.Run run, String operationId, Instant now,
            Instant deadline) {
        // A turn starts with a clean slate: only failures within it pause the roll-out.
        HostState turn = host.planned() == null && run.planned() != null ? askedAnew(host).withPlanned(run.planned()) : host;
        HostState next = turn.withInFlight(new HostState.InFlight(run.action(), operationId, now, deadline, desired.generation()))
                .withRealtime(StateMachine.during(run.action()), now);
        return new Transition(next, Cause.RECONCILER, run.action().wire() + " sent to " + host.ip()
                + (run.planned() == null ? "" : " (" + run.planned().wire() + ")"));
    }

    /**
     * An action's result. Only the result of the action in flight decides anything: a late or stray one (the step
     * already failed for want of news, a second delivery) changes nothing. A start or restart script that succeeded
     * leaves {@code starting}/{@code restarting} until a healthy check confirms it, and keeps the failure count: an app
     * that crashes after each start backs off, growing.
     */
    public static Transition result(Desired desired, HostState host, Operation operation, Instant now,
            IntFunction<Instant> retryAt) {
        HostState.InFlight inFlight = host.inFlight();
        if (inFlight == null || !inFlight.operationId().equals(operation.id())) {
            return Transition.none(host);
        }
        Action action = inFlight.action();
        HostState cleared = host.withInFlight(null);
        return switch (operation.state()) {
            case SUCCEEDED -> {
                HostState next = switch (action) {
                    case INSTALL -> cleared.withoutFailures().withGeneration(inFlight.generation()).withRealtime(STOPPED, now);
                    case STOP -> cleared.withoutFailures().withRealtime(STOPPED, now);
                    case START, RESTART -> cleared.withFailures(host.failedAction(), host.failureCount(), host.lastError(), null)
                            .withRestartPending(false)
                            .withRealtime(host.realtime() == RUNNING ? RUNNING : action == Action.START ? STARTING : RESTARTING, now);
                    case UNINSTALL -> cleared.withoutFailures().withGeneration(0).withRestartPending(false)
                            .withRealtime(NOT_INSTALLED, now);
                    case CHECK -> throw new IllegalArgumentException("a check is a probe, never an operation");
                };
                yield new Transition(settle(desired, next), Cause.AGENT, action.wire() + " succeeded on " + host.ip());
            }
            case INTERRUPTED -> new Transition(cleared.withRealtime(UNKNOWN, now), Cause.AGENT,
                    action.wire() + " was interrupted on " + host.ip() + "; finding out the state afresh");
            case FAILED, TIMED_OUT -> failed(desired, cleared, action, operation.reason() != null ? operation.reason()
                    : action.wire() + " " + operation.state().wire(), now, retryAt, Cause.AGENT);
            case RUNNING -> Transition.none(host);
        };
    }

    /** A step that failed (the agent unreachable or refusing, no result in time, a start that never turned healthy). */
    public static Transition failed(Desired desired, HostState host, Action action, String reason, Instant now,
            IntFunction<Instant> retryAt, Cause cause) {
        int failures = host.failureCount() + 1;
        HostState next = host.withInFlight(null).withFailures(action, failures, reason, retryAt.apply(failures))
                .withRealtime(FAILED, now);
        return new Transition(settle(desired, next), cause, reason);
    }

    /**
     * A health report from the host's agent. Reports about an app that is not installed, or that an install, stop,
     * uninstall or restart is busy with, change nothing but the last check; that action's own result decides. A healthy
     * verdict that arrives while a restart runs may have been checked before the old process stopped.
     */
    public static Transition report(Desired desired, HostState host, CheckReport report, Instant now, Timing timing,
            IntFunction<Instant> retryAt) {
        RealtimeState realtime = host.realtime();
        if (!StateMachine.installed(realtime)) {
            return Transition.none(host);
        }
        HostState heard = host.withReport(new HostState.LastCheck(report.code(), report.msg(), now));
        if (StateMachine.busyWithOwnResult(host)) {
            return new Transition(heard, Cause.HEALTH_REPORT, null);
        }
        ExpectedState expect = desired.expectFor(host);
        if (report.healthy()) {
            if (realtime == RUNNING) {
                boolean stable = Duration.between(host.realtimeSince(), now).compareTo(timing.stableAfter()) >= 0;
                return new Transition(stable && host.failureCount() > 0 ? heard.withoutFailures() : heard, Cause.HEALTH_REPORT, null);
            }
            // Confirms a start, heals a failure, or reveals drift that the reconciler then undoes.
            HostState next = heard.withFailures(host.failedAction(), host.failureCount(), host.lastError(), null)
                    .withRealtime(RUNNING, now);
            return new Transition(settle(desired, next), Cause.HEALTH_REPORT, report.msg());
        }
        if (realtime == RUNNING || realtime == UNKNOWN) {
            if (expect == ExpectedState.RUNNING) {
                return failed(desired, heard, Action.START, "unhealthy: " + report.msg(), now, retryAt, Cause.HEALTH_REPORT);
            }
            return new Transition(settle(desired, heard.withRealtime(STOPPED, now)), Cause.HEALTH_REPORT, report.msg());
        }
        return new Transition(heard, Cause.HEALTH_REPORT, null); // warming up, or already stopped or failed
    }

    /** What asking the agent directly found. Not a failed step: the table then decides what to do. */
    public static Transition probed(Desired desired, HostState host, boolean installed, CheckReport check, Instant now) {
        HostState heard = check == null ? host : host.withReport(new HostState.LastCheck(check.code(), check.msg(), now));
        RealtimeState next;
        if (!installed) {
            next = NOT_INSTALLED;
            heard = heard.withGeneration(0);
        } else if (check != null && check.healthy()) {
            next = RUNNING;
        } else {
            next = StateMachine.notServing(desired.expectFor(host));
        }
        return new Transition(settle(desired, heard.withFailures(null, host.failureCount(), host.lastError(), null)
                .withRealtime(next, now)), Cause.RECONCILER, "probed: " + (check == null ? "no check" : check.msg()));
    }

    /**
     * The host refused the credentials the resource gives for it (SSH login or su): the failed step gets no timed retry,
     * since each try brings an account lockout closer. A new spec (new credentials) or a state PUT tries again.
     */
    public static Transition parked(Transition failedStep) {
        HostState host = failedStep.host();
        String why = host.lastError() + "; not tried again until the host's credentials change (PUT the resource) or a"
                + " state is PUT";
        return new Transition(host.withFailures(host.failedAction(), host.failureCount(), why, null).withParked(true),
                failedStep.cause(), why);
    }

    /** A probe that could not reach the agent (or install one): the state stays as it is; try again later. */
    public static Transition unreachable(HostState host, String reason, IntFunction<Instant> retryAt) {
        int failures = host.failureCount() + 1;
        return new Transition(host.withFailures(host.failedAction(), failures, reason, retryAt.apply(failures)),
                Cause.RECONCILER, reason);
    }

    /** A deadline passed without news. A start that never turned healthy is a failed step, and backs off. */
    public static Transition expire(Desired desired, HostState host, Step.Expire expire, Instant now, IntFunction<Instant> retryAt) {
        if (expire.failedStep()) {
            Action action = host.realtime() == RESTARTING ? Action.RESTART : Action.START;
            return failed(desired, host, action, expire.why(), now, retryAt, Cause.RECONCILER);
        }
        return new Transition(host.withRealtime(expire.state(), now), Cause.RECONCILER, expire.why());
    }

    /**
     * A user asked anew (a state PUT or a new spec): backoffs end, a paused roll-out resumes, a parked host is tried
     * again. Which action failed is kept: a failed install is retried as install, or asked about, never followed by an
     * uninstall with no scripts to run.
     */
    public static HostState askedAnew(HostState host) {
        return host.withFailures(host.failedAction(), 0, host.lastError(), null).withParked(false);
    }

    /**
     * A host out of service on purpose is back in its turn's end state, running the current generation: its turn is
     * over. A host told to go away has no turn. Applied after every change of a host, and of what the resource wants.
     */
    public static HostState settle(Desired desired, HostState host) {
        if (host.planned() == null) {
            return host;
        }
        ExpectedState expect = desired.expectFor(host);
        boolean done = expect == ExpectedState.NOT_INSTALLED
                || (host.inFlight() == null && host.generation() >= desired.generation() && !host.restartPending()
                        && StateMachine.settled(expect, host.realtime()));
        return done ? host.withPlanned(null) : host;
    }
}
