package io.paasoperator.apiserver.bootstrap;

/**
 * An account on a host, its secrets opened for the bootstrap only: a password, a private key (with its passphrase), or
 * both; absent ones are null. {@code role} names where it came from in the resource ("auth[1]"), for error messages;
 * {@link #toString()} never shows a secret.
 */
record Account(String username, String password, String privateKey, String passphrase, String role) {

    @Override
    public String toString() {
        return username + " (" + role + ")";
    }
}
