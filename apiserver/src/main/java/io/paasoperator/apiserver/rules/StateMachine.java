package io.paasoperator.apiserver.rules;

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

import io.paasoperator.apiserver.rules.HostState.Planned;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The reconciliation rules of SPEC.md §4 for one host of a resource, as pure functions: no I/O, no clock of its own,
 * no framework. Level-triggered: the next step depends only on the states, never on how they came about.
 */
public final class StateMachine {

    private StateMachine() {
    }

    /**
     * The next step for {@code host}, one of {@code hosts} (the resource's hosts, which a roll-out or a restart looks at
     * to take hosts out of service one turn at a time).
     *
     * @param silence no report for this long makes an installed host unknown ({@link Timing#silenceFor}); null when the
     *        host's silence is watched elsewhere (its agent's reports stand for it, and their end wakes the resource)
     */
    public static Step next(Desired desired, List<HostState> hosts, HostState host, Instant now, Timing timing,
            Duration silence) {
        if (host.inFlight() != null) {
            return follow(host.inFlight(), now, timing);
        }
        if (host.parked()) {
            return new Step.Wait(null, "parked: " + host.lastError());
        }
        if (host.nextRetryAt() != null && now.isBefore(host.nextRetryAt())) {
            return new Step.Wait(host.nextRetryAt(), "backing off after " + host.failureCount() + " failed "
                    + (host.failedAction() == null ? "step" : host.failedAction().wire()) + (host.failureCount() == 1 ? "" : "s"));
        }
        RealtimeState realtime = host.realtime();
        switch (realtime) {
            case STARTING, RESTARTING -> {
                Instant deadline = host.realtimeSince().plus(timing.startGrace());
                return now.isBefore(deadline)
                        ? new Step.Wait(deadline, "waiting for a healthy check after " + realtime.wire())
                        : new Step.Expire(FAILED, "no healthy check within " + timing.startGrace().toSeconds()
                                + "s of " + realtime.wire(), true);
            }
            case INSTALLING, STOPPING, UNINSTALLING -> {
                // Transitional with nothing in flight: the result was lost. Ask, never re-run blindly.
                return new Step.Probe(realtime.wire() + " with no action in flight");
            }
            case UNKNOWN -> {
                return new Step.Probe("state unknown");
            }
            case RUNNING, STOPPED -> {
                if (silence != null && !now.isBefore(host.lastHeard().plus(silence))) {
                    return new Step.Expire(UNKNOWN, "no health report for " + silence.toSeconds() + "s", false);
                }
            }
            default -> {
                // not-installed and failed are decided below
            }
        }
        ExpectedState expect = desired.expectFor(host);
        if (host.removing() && realtime == NOT_INSTALLED) {
            return new Step.Drop();
        }
        Step planned = plannedStep(desired, hosts, host, silence);
        if (planned != null) {
            return planned;
        }
        Step step = table(expect, realtime, host.failedAction());
        if (step == null) {
            // Converged: the next thing to look at is the silence deadline of an installed host.
            return new Step.Wait(realtime == RUNNING || realtime == STOPPED ? silentAt(host, silence) : null, "converged");
        }
        return step;
    }

    /** An action in flight: overdue at its deadline; until then its agent is asked for the result now and then. */
    static Step.Follow follow(HostState.InFlight inFlight, Instant now, Timing timing) {
        Timing.ResultPolls polls = timing.resultPolls(inFlight.since(), now);
        Instant lookAgain = polls.next().isBefore(inFlight.deadline()) ? polls.next() : inFlight.deadline();
        return new Step.Follow(inFlight, !now.isBefore(inFlight.deadline()), polls.last(), lookAgain);
    }

    /** When the host falls silent if no report comes; null when its silence is watched elsewhere. */
    private static Instant silentAt(HostState host, Duration silence) {
        return silence == null ? null : host.lastHeard().plus(silence);
    }

    /**
     * A roll-out (the host runs an older generation) or a pending restart: taken in turns, hosts in list order, at
     * most {@code maxInFlight} hosts out of service at once, and none while a host of the turn has failed (the
     * roll-out pauses; the other hosts keep what they run). Null when neither applies, or when the table should decide.
     */
    static Step plannedStep(Desired desired, List<HostState> hosts, HostState host, Duration silence) {
        if (!needsTurn(desired, host)) {
            return null;
        }
        RealtimeState realtime = host.realtime();
        if (host.planned() == null && !turnAvailable(desired, hosts, host)) {
            // Serving as asked until its turn (still watched for silence); a host not as asked is left to the table.
            return waitsForTurn(desired, host) ? new Step.Wait(silentAt(host, silence), rolloutPaused(hosts)
                    ? "the roll-out is paused by a failed host" : "waiting for its turn") : null;
        }
        if (outdated(desired, host)) {
            boolean stopFirst = realtime == RUNNING || (realtime == FAILED && host.failedAction() == Action.STOP);
            return new Step.Run(stopFirst ? Action.STOP : Action.INSTALL, Planned.ROLLOUT);
        }
        return new Step.Run(desired.hasRestartScript() ? Action.RESTART : Action.STOP, Planned.RESTART);
    }

    /** The host runs an older generation, or has a restart to carry out: it must be taken out of service for it. */
    private static boolean needsTurn(Desired desired, HostState host) {
        ExpectedState expect = desired.expectFor(host);
        if (expect == ExpectedState.NOT_INSTALLED) {
            return false;
        }
        boolean restart = host.restartPending() && expect == ExpectedState.RUNNING && host.realtime() == RUNNING;
        return outdated(desired, host) || restart;
    }

    /** Installed with an older generation than the resource's (a host whose install never succeeded runs none). */
    private static boolean outdated(Desired desired, HostState host) {
        return host.realtime() != NOT_INSTALLED && host.generation() > 0 && host.generation() < desired.generation();
    }

    /** As asked (running, or stopped), and waiting to be taken out of service for its turn. */
    private static boolean waitsForTurn(Desired desired, HostState host) {
        return host.planned() == null && needsTurn(desired, host) && settled(desired.expectFor(host), host.realtime());
    }

    /** Whether {@code host} may be taken out of service now: turns go in list order, {@code maxInFlight} at a time. */
    static boolean turnAvailable(Desired desired, List<HostState> hosts, HostState host) {
        long inTurn = hosts.stream().filter(h -> h.planned() != null).count();
        long ahead = hosts.stream().takeWhile(h -> !h.ip().equals(host.ip())).filter(h -> waitsForTurn(desired, h)).count();
        return inTurn + ahead < desired.maxInFlight() && !rolloutPaused(hosts);
    }

    /** A host taken out of service on purpose has failed: nothing more is taken out until it recovers or is told anew. */
    public static boolean rolloutPaused(List<HostState> hosts) {
        return hosts.stream().anyMatch(h -> h.planned() != null && h.failureCount() > 0);
    }

    /** SPEC.md §4's table, for stable realtime states; null when converged. */
    static Step table(ExpectedState expect, RealtimeState realtime, Action failedAction) {
        boolean installFailed = realtime == FAILED && failedAction == Action.INSTALL;
        if (expect == ExpectedState.NOT_INSTALLED && installFailed) {
            // Its uninstall script may never have arrived: ask the agent what the install left, then uninstall only that.
            return new Step.Probe("asking the agent what a failed install left");
        }
        Action action = switch (expect) {
            case RUNNING -> switch (realtime) {
                case NOT_INSTALLED -> Action.INSTALL;
                case STOPPED -> Action.START;
                case FAILED -> installFailed ? Action.INSTALL : Action.START;
                default -> null;
            };
            case STOPPED -> switch (realtime) {
                case NOT_INSTALLED -> Action.INSTALL;
                case RUNNING -> Action.STOP;
                case FAILED -> installFailed ? Action.INSTALL : Action.STOP;
                default -> null;
            };
            case NOT_INSTALLED -> switch (realtime) {
                case RUNNING -> Action.STOP;
                case FAILED, STOPPED -> Action.UNINSTALL;
                default -> null;
            };
        };
        return action == null ? null : new Step.Run(action, null);
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

    /** Whether {@code realtime} is where a host expected to be {@code expect} comes to rest. */
    public static boolean settled(ExpectedState expect, RealtimeState realtime) {
        return realtime == RealtimeState.of(expect);
    }

    /**
     * Whether a resource created in these states needs no pass: nothing installed and nothing to install, so no step
     * and no report silence to time ({@link Summary#dueAt} is null). Any other new resource is due at once.
     */
    public static boolean restsWhenCreated(ExpectedState expect, RealtimeState realtime) {
        return expect == ExpectedState.NOT_INSTALLED && realtime == NOT_INSTALLED;
    }

    /** An installed app that does not serve: a failure if it should, merely stopped if it should not. */
    static RealtimeState notServing(ExpectedState expect) {
        return expect == ExpectedState.RUNNING ? FAILED : STOPPED;
    }

    /** Whether the app is installed as far as {@code realtime} tells: reports about one that is not change nothing. */
    static boolean installed(RealtimeState realtime) {
        return realtime != NOT_INSTALLED && realtime != INSTALLING && realtime != UNINSTALLING;
    }

    /**
     * Whether an action the host is busy with decides its state by its own result, so that a report decides nothing:
     * an install, stop or uninstall, and a restart while it runs (its verdict may predate the old process's stop).
     */
    static boolean busyWithOwnResult(HostState host) {
        RealtimeState realtime = host.realtime();
        return realtime == INSTALLING || realtime == STOPPING || realtime == UNINSTALLING
                || host.inFlight() != null && host.inFlight().action() == Action.RESTART;
    }
}
