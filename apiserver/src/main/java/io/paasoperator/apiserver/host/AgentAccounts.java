package io.paasoperator.apiserver.host;

/**
 * One agent serves every resource on a host (SPEC.md §5): resources that list the same host must agree on the port
 * it listens on and the account it runs as ({@code auth[0]}). A resource that gives no auth (the host's agent is
 * registered, installed by other means) names no account, so it agrees with any.
 */
public final class AgentAccounts {

    private AgentAccounts() {
    }

    /** The account {@code host} says its agent runs as: the user of its first auth; null when it gives none. */
    public static String account(HostSpec host) {
        return host.auth().isEmpty() ? null : host.auth().get(0).username();
    }

    /**
     * Why an agent of {@code ip} wanted on {@code wantedPort} as {@code wantedAccount} cannot be the one resource
     * {@code other} names there ({@code existingPort}, {@code existingAccount}); null when it can. A null account agrees
     * with any. Said as what the other resource names: its agent may not be running yet.
     */
    public static String conflict(String ip, int wantedPort, String wantedAccount, int existingPort, String existingAccount,
            String other) {
        if (wantedPort != existingPort) {
            return other + " names agent_port " + existingPort + " for " + ip + ", not " + wantedPort;
        }
        if (wantedAccount == null || existingAccount == null || wantedAccount.equals(existingAccount)) {
            return null;
        }
        return other + " runs the agent of " + ip + " as '" + existingAccount + "', not '" + wantedAccount + "'";
    }
}
