package io.paasoperator.agent.api;

import io.paasoperator.contract.Problem;
import io.quarkus.runtime.Startup;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Only the apiserver may call the agent: every call but the version and health probes must carry the host's secret
 * as a bearer token (compared in constant time). Without a secret the agent does not start, unless AGENT_INSECURE=true.
 * Application-scoped, not a singleton: the REST filter that holds it is built at static initialization, which a native
 * build runs at build time; a singleton would read the secret there (failing the build, or baking the build
 * machine's secret into the executable), while this one is made at start-up (@Startup) and reads the host's.
 */
@ApplicationScoped
@Startup // refuses to start the agent without a secret, rather than at the first call
public class SecretGate {

    private final Optional<byte[]> expected;

    // Plain properties, not AgentConfig: REST filters are built before config mappings are available.
    public SecretGate(@ConfigProperty(name = "agent.secret") Optional<String> configuredSecret,
            @ConfigProperty(name = "agent.insecure") boolean insecure) {
        Optional<String> secret = configuredSecret.filter(s -> !s.isBlank());
        if (secret.isEmpty() && !insecure) {
            throw new IllegalStateException("AGENT_SECRET is not set: the agent accepts calls only from the apiserver"
                    + " that gave it a secret. For a local trial, AGENT_INSECURE=true runs it without one.");
        }
        this.expected = secret.map(s -> ("Bearer " + s).getBytes(StandardCharsets.UTF_8));
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> check(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (expected.isEmpty() || path.equals("/version") || path.startsWith("/q/")) {
            return Optional.empty();
        }
        String given = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (given != null && MessageDigest.isEqual(expected.get(), given.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        return Optional.of(AgentProblems.respond(new Problem("Unauthorized", 401,
                "this agent takes calls only from its apiserver, with the host's secret as a bearer token", List.of())));
    }
}
