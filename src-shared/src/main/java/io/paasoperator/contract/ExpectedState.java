package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** What a user wants an application to be. */
public enum ExpectedState implements WireValue {
    NOT_INSTALLED("not-installed"),
    RUNNING("running"),
    STOPPED("stopped");

    private final String wire;

    ExpectedState(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static ExpectedState fromWire(String text) {
        return WireValue.parse(ExpectedState.class, text)
                .orElseThrow(() -> new IllegalArgumentException("unknown expected state '" + text + "'"));
    }
}
