package io.paasoperator.apiserver.bootstrap;

/**
 * An account on a host, its password opened for the bootstrap only. {@code role} names where it came from in the
 * resource ("auth[1]"), for error messages; {@link #toString()} never shows the password.
 */
record Account(String username, String password, String role) {

    @Override
    public String toString() {
        return username + " (" + role + ")";
    }
}
