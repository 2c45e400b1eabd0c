package io.paasoperator.apiserver.reconcile;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.RealtimeState;
import java.time.Instant;

/** What the reconciler does next for one resource. Decided by {@link StateMachine}; carried out by the engine. */
public sealed interface Step {

    /** Expect and realtime agree: nothing to do until something changes. */
    record Converged() implements Step {
    }

    /** Nothing to do before {@code until} (an action in flight, a backoff, a start still warming up). */
    record Wait(Instant until, String why) implements Step {
    }

    /** Call the agent to run {@code action}, showing {@code during} as realtime meanwhile. */
    record Run(Action action, RealtimeState during) implements Step {
    }

    /** Reach the agent (bootstrapping it if gone), ask whether the app is installed and healthy, then apply {@link StateMachine#onProbe}. */
    record Probe(String why) implements Step {
    }

    /** A deadline passed without news: set realtime to {@code state} and say why. */
    record Expire(RealtimeState state, String why) implements Step {
    }
}
