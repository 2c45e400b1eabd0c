package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Set;

/** What an application was last seen to be: a stable state, or one of the transitional ones an action passes through. */
public enum RealtimeState implements WireValue {
    NOT_INSTALLED("not-installed"),
    RUNNING("running"),
    STOPPED("stopped"),
    FAILED("failed"),
    UNKNOWN("unknown") {
        @Override
        public Set<String> aliases() {
            return Set.of("unknow"); // the seed's spelling
        }
    },
    INSTALLING("installing"),
    STARTING("starting"),
    STOPPING("stopping"),
    RESTARTING("restarting"),
    UNINSTALLING("uninstalling");

    private final String wire;

    RealtimeState(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    public boolean isTransitional() {
        return switch (this) {
            case INSTALLING, STARTING, STOPPING, RESTARTING, UNINSTALLING -> true;
            default -> false;
        };
    }

    @JsonCreator
    public static RealtimeState fromWire(String text) {
        return WireValue.parse(RealtimeState.class, text)
                .orElseThrow(() -> new IllegalArgumentException("unknown realtime state '" + text + "'"));
    }

    /** The same word as a realtime state: every expected state is also an observable one. */
    public static RealtimeState of(ExpectedState expected) {
        return fromWire(expected.wire());
    }
}
