package io.paasoperator.apiserver.problem;

import io.paasoperator.contract.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses an oversized body before it is read, with a message saying the limit. Application-scoped, not a singleton:
 * its REST filter is built at static initialization, which a native build runs at build time, and the limit must be
 * the serving machine's PAAS_API_MAX_BODY_BYTES, not the build's.
 */
@ApplicationScoped
public class BodyLimit {

    private final long maxBodyBytes;

    public BodyLimit(@ConfigProperty(name = "paas.api.max-body-bytes") long maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> checkDeclaredLength(ContainerRequestContext request) {
        if (request.getLength() > maxBodyBytes) {
            return Optional.of(ProblemMappers.respond(ProblemException.tooLarge(maxBodyBytes).toProblem()));
        }
        return Optional.empty();
    }

    /** The same limit for a body sent without a length (chunked), checked once it is read. */
    public void checkReadLength(String body) {
        if (body != null && body.length() > maxBodyBytes) {
            throw ProblemException.tooLarge(maxBodyBytes);
        }
    }
}
