package io.paasoperator.apiserver.agentclient;

/** Where a host's agent listens, and the secret it takes calls with. */
public record AgentEndpoint(String ip, int port, String secret) {

    @Override
    public String toString() {
        return ip + ":" + port; // never the secret
    }
}
