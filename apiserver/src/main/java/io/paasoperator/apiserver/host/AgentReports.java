package io.paasoperator.apiserver.host;

import io.paasoperator.apiserver.resource.HostSpec;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceStore;
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
    private final ResourceDocuments documents;

    public AgentReports(HostStore hosts, ResourceStore resources, ResourceDocuments documents) {
        this.hosts = hosts;
        this.resources = resources;
        this.documents = documents;
    }

    /** Succeeds when {@code authorization} is the secret of an agent on one of the resource's hosts; else 401 or 403. */
    public Uni<Void> authorize(ResourceKind kind, String name, String authorization) {
        if (authorization == null || !authorization.startsWith(BEARER) || authorization.length() == BEARER.length()) {
            return Uni.createFrom().failure(ProblemException.unauthorized(
                    "reports are taken from agents only, with their host's secret as a bearer token"));
        }
        return hosts.bySecret(authorization.substring(BEARER.length())).chain(host -> {
            if (host == null) {
                return Uni.createFrom().failure(ProblemException.unauthorized("the bearer token is not an agent's secret"));
            }
            return resources.get(kind, name).invoke(record -> {
                if (documents.hosts(record).stream().map(HostSpec::ip).noneMatch(host.ip::equals)) {
                    throw ProblemException.forbidden("the agent of " + host.ip + " does not manage " + kind.wire() + " '"
                            + name + "'");
                }
            }).replaceWithVoid();
        });
    }
}
