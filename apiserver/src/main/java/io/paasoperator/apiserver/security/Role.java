package io.paasoperator.apiserver.security;

import io.paasoperator.contract.WireValue;

/** What a token may do. Each role may do what the ones before it may. */
public enum Role implements WireValue {
    /** Reads (and watches). */
    VIEWER,
    /** Also sets expected states and restarts. */
    OPERATOR,
    /** Everything: creates, updates, deletes and hosts. */
    ADMIN;

    public boolean allows(Role needed) {
        return compareTo(needed) >= 0;
    }
}
