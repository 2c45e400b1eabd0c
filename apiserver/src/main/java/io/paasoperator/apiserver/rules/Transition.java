package io.paasoperator.apiserver.rules;

import com.fasterxml.jackson.annotation.JsonValue;
import io.paasoperator.contract.WireValue;

/**
 * One complete change of a host, as the rules decide it: its next state, who caused it and why. The resource record
 * applies it in one place, and writes the history it implies.
 */
public record Transition(HostState host, Cause cause, String message) {

    /** Who caused a change, as the history names it. */
    public enum Cause implements WireValue {
        API, HEALTH_REPORT, RECONCILER, AGENT;

        @JsonValue
        @Override
        public String wire() {
            return WireValue.super.wire();
        }
    }

    /** Nothing changes. */
    public static Transition none(HostState host) {
        return new Transition(host, Cause.RECONCILER, null);
    }
}
