package io.paasoperator.apiserver.bootstrap;

/**
 * A bootstrap that failed, with a reason a person can act on ("SSH login as 'ops' at 10.0.0.5:22 refused: wrong
 * password (auth[1])"). It becomes the resource's error and an event. Carries the host key the SSH server presented,
 * when it got that far, so that the key is pinned even when a later step failed.
 */
public class BootstrapException extends Exception {

    private final String presentedHostKey;

    public BootstrapException(String reason) {
        this(reason, null);
    }

    public BootstrapException(String reason, String presentedHostKey) {
        super(reason, null, false, false);
        this.presentedHostKey = presentedHostKey;
    }

    public String presentedHostKey() {
        return presentedHostKey;
    }

    BootstrapException withHostKey(String hostKey) {
        return presentedHostKey != null || hostKey == null ? this : new BootstrapException(getMessage(), hostKey);
    }
}
