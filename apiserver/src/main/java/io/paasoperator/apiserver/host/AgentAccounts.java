package io.paasoperator.apiserver.host;

/**
 * One agent serves every resource on a host (SPEC.md §5): resources that list the same host must agree on the port
 * it listens on and the account it runs as ({@code auth[0]}). A resource that gives no auth (the host's agent is
 * registered, installed by other means) names no account, so it agrees with any.
 */
public final class AgentAccounts {

    private AgentAccounts() {
    }

    /** Why {@code wanted} cannot share its host's agent with {@code existing}, or null when it can (or the hosts differ). */
    public static String conflict(HostSpec wanted, HostSpec existing) {
        if (!wanted.ip().equals(existing.ip())) {
            return null;
        }
        if (!wanted.agentPort().equals(existing.agentPort())) {
            return "the agent of " + wanted.ip() + " listens on port " + existing.agentPort() + ", not " + wanted.agentPort();
        }
        if (wanted.auth().isEmpty() || existing.auth().isEmpty()) {
            return null;
        }
        String account = existing.auth().get(0).username();
        if (!wanted.auth().get(0).username().equals(account)) {
            return "the agent of " + wanted.ip() + " runs as '" + account + "', not '" + wanted.auth().get(0).username() + "'";
        }
        return null;
    }
}
