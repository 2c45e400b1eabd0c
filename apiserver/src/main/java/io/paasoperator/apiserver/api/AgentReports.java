package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.host.HostStore.SecretHolder;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.security.AuthFailures;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;

/**
 * Health reports and action results are taken only from an agent of one of the resource's hosts (SPEC.md §7): the
 * report carries the secret the bootstrap gave that host's agent, which names the host. An agent of host A cannot
 * report for a resource on host B.
 */
@Singleton
public class AgentReports {

    private static final String BEARER = "Bearer ";

    private final HostStore hosts;
    private final ResourceStore resources;
    private final AuthFailures failures;
    private final HostAgents agents;

    public AgentReports(HostStore hosts, ResourceStore resources, AuthFailures failures, HostAgents agents) {
        this.hosts = hosts;
        this.resources = resources;
        this.failures = failures;
        this.agents = agents;
    }

    /**
     * Emits the host whose agent sent {@code authorization} when it is the secret of an agent on one of the resource's
     * hosts (listed, or being removed); else fails with 401 or 403. A 401 counts against {@code clientAddress}.
     */
    public Uni<String> authorize(ResourceKind kind, String name, String authorization, String clientAddress) {
        return agentHost(authorization, clientAddress).call(ip -> manages(kind, name, ip));
    }

    /** Succeeds when the resource is on host {@code ip} (listed, or being removed); else fails with 403 (or 404). */
    public Uni<Void> manages(ResourceKind kind, String name, String ip) {
        return resources.get(kind, name).invoke(record -> record.hostOfAgent(ip)).replaceWithVoid();
    }

    /**
     * Emits the last heartbeat of host {@code ip} (null when it has none) when {@code authorization} is the secret of its
     * agent; else fails with 401 or 403.
     */
    public Uni<Heartbeat> authorizeHost(String ip, String authorization, String clientAddress) {
        return agent(authorization, clientAddress).map(sender -> {
            if (!sender.ip().equals(ip)) {
                throw ProblemException.forbidden("this secret is the agent of " + sender.ip() + "'s, not of " + ip + "'s");
            }
            return sender.heartbeat();
        });
    }

    /**
     * The host whose agent holds the bearer secret of {@code authorization}; a 401 counts against {@code clientAddress}.
     * What the agent may speak for is then the caller's to check.
     */
    public Uni<String> agentHost(String authorization, String clientAddress) {
        return agent(authorization, clientAddress).map(SecretHolder::ip);
    }

    private Uni<SecretHolder> agent(String authorization, String clientAddress) {
        if (authorization == null || !authorization.startsWith(BEARER) || authorization.length() == BEARER.length()) {
            failures.failed(clientAddress);
            return Uni.createFrom().failure(ProblemException.unauthorized(
                    "reports are taken from agents only, with their host's secret as a bearer token"));
        }
        return hosts.agentBySecret(authorization.substring(BEARER.length())).map(holder -> {
            if (holder == null) {
                failures.failed(clientAddress);
                throw ProblemException.unauthorized("the bearer token is not an agent's secret");
            }
            agents.heardFrom(holder.ip());
            return holder;
        });
    }
}
