package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.problem.ProblemMappers;
import io.paasoperator.apiserver.security.ApiAuthentication;
import io.paasoperator.contract.Problem;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Back-pressure towards agents: at most {@code paas.api.max-agent-calls} of their calls (host reports, per-application
 * reports, action results) are in flight on this apiserver at once. Past that, a call is answered 503 with
 * {@code Retry-After} at once, before its body or the database is read: answering a few quickly keeps the answers under
 * the agents' timeouts, where taking them all would slow every answer past them and have every call sent again. Agents
 * wait as told and send the same report or result again; nothing is lost. Application-scoped for the reason
 * {@link ApiAuthentication} is.
 */
@ApplicationScoped
public class AgentCallLimit {

    private final int max;
    private final AtomicInteger inFlight = new AtomicInteger();

    public AgentCallLimit(@ConfigProperty(name = "paas.api.max-agent-calls") int max) {
        if (max < 1) {
            throw new IllegalArgumentException("paas.api.max-agent-calls must be at least 1: " + max);
        }
        this.max = max;
    }

    @ServerRequestFilter(preMatching = true, priority = Priorities.AUTHENTICATION - 100)
    public Optional<Response> admit(ContainerRequestContext request, RoutingContext routing) {
        if (!ApiAuthentication.isAgentCall(request.getMethod(), request.getUriInfo().getPath())) {
            return Optional.empty();
        }
        if (inFlight.incrementAndGet() > max) {
            inFlight.decrementAndGet();
            return Optional.of(ProblemMappers.respond(new Problem("Service Unavailable", 503, "this apiserver has "
                    + max + " agent calls in flight (paas.api.max-agent-calls); send it again after Retry-After", List.of())));
        }
        // Released once, when the answer is sent or the connection closes first.
        AtomicBoolean released = new AtomicBoolean();
        routing.addEndHandler(ended -> {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        });
        return Optional.empty();
    }

    /** Agent calls admitted and not yet ended; a place is given back just after its answer is written. */
    int inFlight() {
        return inFlight.get();
    }
}
