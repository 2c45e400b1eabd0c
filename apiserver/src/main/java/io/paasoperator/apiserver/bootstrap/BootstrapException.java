package io.paasoperator.apiserver.bootstrap;

/**
 * A bootstrap that failed, with a reason a person can act on ("SSH login as 'ops' at 10.0.0.5:22 refused: wrong
 * password (auth[1])"). It becomes the resource's error and an event. Carries the host key the SSH server presented,
 * when it got that far, so that the key is pinned even when a later step failed.
 */
public class BootstrapException extends Exception {

    private final String presentedHostKey;
    private final boolean credentialsRefused;

    public BootstrapException(String reason) {
        this(reason, null, false);
    }

    private BootstrapException(String reason, String presentedHostKey, boolean credentialsRefused) {
        super(reason, null, false, false);
        this.presentedHostKey = presentedHostKey;
        this.credentialsRefused = credentialsRefused;
    }

    /** The host refused a password (the SSH login, or su): trying it again only brings a lockout closer. */
    public static BootstrapException credentialsRefused(String reason, String presentedHostKey) {
        return new BootstrapException(reason, presentedHostKey, true);
    }

    /** A failure after the SSH server presented its key (which is pinned all the same). */
    static BootstrapException afterHandshake(String reason, String presentedHostKey) {
        return new BootstrapException(reason, presentedHostKey, false);
    }

    public String presentedHostKey() {
        return presentedHostKey;
    }

    /** Whether the host refused the credentials it was given: not worth another try until they change. */
    public boolean credentialsRefused() {
        return credentialsRefused;
    }

    BootstrapException withHostKey(String hostKey) {
        return presentedHostKey != null || hostKey == null ? this : new BootstrapException(getMessage(), hostKey, credentialsRefused);
    }
}
