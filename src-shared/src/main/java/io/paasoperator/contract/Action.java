package io.paasoperator.contract;

/** A verb the agent runs on a host: one lifecycle script each. */
public enum Action implements WireValue {
    INSTALL,
    START,
    STOP,
    RESTART,
    UNINSTALL,
    CHECK;

    public static Action fromWire(String text) {
        return WireValue.require(Action.class, text);
    }
}
