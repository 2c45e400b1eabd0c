package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonValue;
/** What a user wants an application to be. */
public enum ExpectedState implements WireValue {
    NOT_INSTALLED,
    RUNNING,
    STOPPED;

    @JsonValue // declared here too: the OpenAPI scanner reads it only from the enum itself
    @Override
    public String wire() {
        return WireValue.super.wire();
    }

    public static ExpectedState fromWire(String text) {
        return WireValue.require(ExpectedState.class, text);
    }
}
