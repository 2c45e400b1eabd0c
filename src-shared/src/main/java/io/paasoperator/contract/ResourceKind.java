package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonValue;
/** The two kinds of managed application. They behave identically; the kind keeps teams' resources apart. */
public enum ResourceKind implements WireValue {
    DATABASE,
    MIDDLEWARE;

    @JsonValue // declared here too: the OpenAPI scanner reads it only from the enum itself
    @Override
    public String wire() {
        return WireValue.super.wire();
    }

    public static ResourceKind fromWire(String text) {
        return WireValue.require(ResourceKind.class, text);
    }
}
