package io.paasoperator.contract;

/** The two kinds of managed application. They behave identically; the kind keeps teams' resources apart. */
public enum ResourceKind implements WireValue {
    DATABASE,
    MIDDLEWARE;

    public static ResourceKind fromWire(String text) {
        return WireValue.require(ResourceKind.class, text);
    }
}
