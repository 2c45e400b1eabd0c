package io.paasoperator.apiserver.reconcile;

import static io.paasoperator.contract.RealtimeState.FAILED;
import static io.paasoperator.contract.RealtimeState.INSTALLING;
import static io.paasoperator.contract.RealtimeState.NOT_INSTALLED;
import static io.paasoperator.contract.RealtimeState.RESTARTING;
import static io.paasoperator.contract.RealtimeState.RUNNING;
import static io.paasoperator.contract.RealtimeState.STARTING;
import static io.paasoperator.contract.RealtimeState.STOPPED;
import static io.paasoperator.contract.RealtimeState.STOPPING;
import static io.paasoperator.contract.RealtimeState.UNINSTALLING;
import static io.paasoperator.contract.RealtimeState.UNKNOWN;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;

/**
 * The reconciliation rules of SPEC.md §4, as pure functions: no I/O, no clock of its own, no framework.
 * Level-triggered: the next step depends only on the snapshot, never on how the resource got there.
 */
public final class StateMachine {

    /**
     * @param reportSilence no health report for this long marks an installed app {@code unknown}
     * @param startGrace after a successful start or restart script, how long the app may take to report healthy
     */
    public record Timing(Duration reportSilence, Duration startGrace) {
        public static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofMinutes(2));
    }

    /** The realtime state an action's result leaves, and whether it carries out a pending restart. */
    public record Outcome(RealtimeState realtime, boolean restartDone) {
    }

    private StateMachine() {
    }

    /** The next step for a resource. */
    public static Step next(ResourceSnapshot s, Instant now, Timing timing) {
        if (s.inFlight() != null) {
            return new Step.Wait(null, s.inFlight().wire() + " in flight");
        }
        if (s.nextRetryAt() != null && now.isBefore(s.nextRetryAt())) {
            return new Step.Wait(s.nextRetryAt(), "backing off after a failed " + wireOrNothing(s.failedAction()));
        }
        RealtimeState realtime = s.realtime();
        switch (realtime) {
            case STARTING, RESTARTING -> {
                Instant deadline = s.realtimeSince().plus(timing.startGrace());
                return now.isBefore(deadline)
                        ? new Step.Wait(deadline, "waiting for a healthy check after " + realtime.wire())
                        : new Step.Expire(FAILED, "no healthy check within " + timing.startGrace().toSeconds()
                                + "s of " + realtime.wire());
            }
            case INSTALLING, STOPPING, UNINSTALLING -> {
                // Transitional with nothing in flight: the result was lost (e.g. a crash). Ask, never re-run blindly.
                return new Step.Probe(realtime.wire() + " with no action in flight");
            }
            case UNKNOWN -> {
                return new Step.Probe("state unknown");
            }
            case RUNNING, STOPPED -> {
                Instant lastHeard = s.lastReportAt() != null ? s.lastReportAt() : s.realtimeSince();
                if (!now.isBefore(lastHeard.plus(timing.reportSilence()))) {
                    return new Step.Expire(UNKNOWN, "no health report for " + timing.reportSilence().toSeconds() + "s");
                }
            }
            default -> {
                // not-installed and failed are decided by the table below
            }
        }
        // A pending restart only changes what happens to a running app; from stopped or failed the table's start is one.
        if (s.restartRequested() && s.expect() == ExpectedState.RUNNING && realtime == RUNNING) {
            return s.hasRestartScript() ? run(Action.RESTART) : run(Action.STOP);
        }
        return table(s.expect(), realtime, s.failedAction());
    }

    /** SPEC.md §4's table, for stable realtime states. */
    static Step table(ExpectedState expect, RealtimeState realtime, Action failedAction) {
        boolean installFailed = realtime == FAILED && failedAction == Action.INSTALL;
        return switch (expect) {
            case RUNNING -> switch (realtime) {
                case NOT_INSTALLED -> run(Action.INSTALL);
                case STOPPED -> run(Action.START);
                case FAILED -> run(installFailed ? Action.INSTALL : Action.START);
                default -> new Step.Converged();
            };
            case STOPPED -> switch (realtime) {
                case NOT_INSTALLED -> run(Action.INSTALL);
                case RUNNING -> run(Action.STOP);
                case FAILED -> run(installFailed ? Action.INSTALL : Action.STOP);
                default -> new Step.Converged();
            };
            case NOT_INSTALLED -> switch (realtime) {
                case RUNNING -> run(Action.STOP);
                case STOPPED, FAILED -> run(Action.UNINSTALL);
                default -> new Step.Converged();
            };
        };
    }

    /** The realtime state shown while {@code action} runs. */
    public static RealtimeState during(Action action) {
        return switch (action) {
            case INSTALL -> INSTALLING;
            case START -> STARTING;
            case STOP -> STOPPING;
            case RESTART -> RESTARTING;
            case UNINSTALL -> UNINSTALLING;
            case CHECK -> UNKNOWN;
        };
    }

    /**
     * What an action's result means. A start or restart script that succeeded leaves {@code starting}/{@code restarting}
     * until a healthy check confirms it: a script's exit code says it launched, not that it serves. If a healthy report
     * came first and already made it {@code running} ({@code current}), the older news of the start does not undo it.
     * An action interrupted on the host (the agent died) has an unknown outcome: {@code unknown}, which a probe settles.
     */
    public static Outcome afterAction(Action action, Operation.State result, RealtimeState current) {
        return switch (result) {
            case SUCCEEDED -> switch (action) {
                case INSTALL, STOP -> new Outcome(STOPPED, false);
                case START -> new Outcome(current == RUNNING ? RUNNING : STARTING, true);
                case RESTART -> new Outcome(current == RUNNING ? RUNNING : RESTARTING, true);
                case UNINSTALL -> new Outcome(NOT_INSTALLED, false);
                case CHECK -> throw new IllegalArgumentException("a check's result is a probe or a report, see onProbe/onHealthReport");
            };
            case INTERRUPTED -> new Outcome(UNKNOWN, false);
            case FAILED, TIMED_OUT -> new Outcome(FAILED, false);
            case RUNNING -> throw new IllegalArgumentException("an operation still running has no result yet");
        };
    }

    /**
     * The realtime state after a health report from the agent. While an install, stop or uninstall runs, a report
     * changes nothing: that action's own result does.
     */
    public static RealtimeState onHealthReport(ExpectedState expect, RealtimeState realtime, boolean healthy) {
        if (realtime == INSTALLING || realtime == STOPPING || realtime == UNINSTALLING) {
            return realtime;
        }
        if (healthy) {
            return RUNNING; // confirms a start, heals a failure, or reveals drift the reconciler then undoes
        }
        if (realtime == RUNNING || realtime == UNKNOWN) {
            return notServing(expect);
        }
        return realtime; // starting/restarting are still warming up; stopped, failed, not-installed stay as they are
    }

    /** The realtime state after asking the agent directly (the {@link Step.Probe} step). */
    public static RealtimeState onProbe(ExpectedState expect, boolean installed, boolean healthy) {
        if (!installed) {
            return NOT_INSTALLED;
        }
        return healthy ? RUNNING : notServing(expect);
    }

    /** An installed app that does not serve: a failure if it should, merely stopped if it should not. */
    private static RealtimeState notServing(ExpectedState expect) {
        return expect == ExpectedState.RUNNING ? FAILED : STOPPED;
    }

    private static Step.Run run(Action action) {
        return new Step.Run(action, during(action));
    }

    private static String wireOrNothing(Action action) {
        return action == null ? "action" : action.wire();
    }
}
