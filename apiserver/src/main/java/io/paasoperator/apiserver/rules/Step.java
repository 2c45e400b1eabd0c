package io.paasoperator.apiserver.rules;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.RealtimeState;
import java.time.Instant;

/** What the reconciler does next for one host of a resource. Decided by {@link StateMachine}; carried out by the engine. */
public sealed interface Step {

    /** Nothing to do before {@code until} (null: until something changes): a backoff, a start warming up, a turn. */
    record Wait(Instant until, String why) implements Step {
    }

    /** Call the agent to run {@code action}; {@code planned} marks a roll-out or restart step (null otherwise). */
    record Run(Action action, HostState.Planned planned) implements Step {
    }

    /** Reach the agent (bootstrapping it if gone), ask whether the app is installed and healthy. */
    record Probe(String why) implements Step {
    }

    /** A deadline passed without news: set realtime to {@code state}; a {@code failedStep} counts and backs off. */
    record Expire(RealtimeState state, String why, boolean failedStep) implements Step {
    }

    /**
     * An action is in flight: learn its outcome from the agent. Its result is pushed; in case the push is lost, the agent
     * is asked for it at times that grow apart ({@link Timing#resultPolls}).
     *
     * @param overdue its result is late: asked for one last time, and the step fails without it
     * @param askBy the latest time the agent was due to be asked (null: not yet); one not asked since is asked now
     * @param lookAgain when to look again: the next ask, or the deadline
     */
    record Follow(HostState.InFlight inFlight, boolean overdue, Instant askBy, Instant lookAgain) implements Step {
    }

    /** A removed host is uninstalled: drop it from the resource. */
    record Drop() implements Step {
    }
}
