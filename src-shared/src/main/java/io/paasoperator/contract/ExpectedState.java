package io.paasoperator.contract;

/** What a user wants an application to be. */
public enum ExpectedState implements WireValue {
    NOT_INSTALLED,
    RUNNING,
    STOPPED;

    public static ExpectedState fromWire(String text) {
        return WireValue.require(ExpectedState.class, text);
    }
}
