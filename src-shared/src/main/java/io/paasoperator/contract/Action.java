package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** A verb the agent runs on a host: one lifecycle script each. */
public enum Action implements WireValue {
    INSTALL("install"),
    START("start"),
    STOP("stop"),
    RESTART("restart"),
    UNINSTALL("uninstall"),
    CHECK("check");

    private final String wire;

    Action(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static Action fromWire(String text) {
        return WireValue.parse(Action.class, text)
                .orElseThrow(() -> new IllegalArgumentException("unknown action '" + text + "'"));
    }
}
