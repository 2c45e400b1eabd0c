package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Set;

/** What an application was last seen to be: a stable state, or one of the transitional ones an action passes through. */
public enum RealtimeState implements WireValue {
    NOT_INSTALLED,
    RUNNING,
    STOPPED,
    FAILED,
    UNKNOWN {
        @Override
        public Set<String> aliases() {
            return Set.of("unknow"); // the seed's spelling
        }
    },
    INSTALLING,
    STARTING,
    STOPPING,
    RESTARTING,
    UNINSTALLING;

    @JsonValue // declared here too: the OpenAPI scanner reads it only from the enum itself
    @Override
    public String wire() {
        return WireValue.super.wire();
    }

    public static RealtimeState fromWire(String text) {
        return WireValue.require(RealtimeState.class, text);
    }

    /** The same word as a realtime state: every expected state is also an observable one. */
    public static RealtimeState of(ExpectedState expected) {
        return fromWire(expected.wire());
    }
}
