package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;

/** The two kinds of managed application. They behave identically; the kind keeps teams' resources apart. */
public enum ResourceKind implements WireValue {
    DATABASE("database"),
    MIDDLEWARE("middleware");

    private final String wire;

    ResourceKind(String wire) {
        this.wire = wire;
    }

    @JsonValue
    @Override
    public String wire() {
        return wire;
    }

    @JsonCreator
    public static ResourceKind fromWire(String text) {
        return WireValue.parse(ResourceKind.class, text)
                .orElseThrow(() -> new IllegalArgumentException("unknown kind '" + text + "'"));
    }
}
