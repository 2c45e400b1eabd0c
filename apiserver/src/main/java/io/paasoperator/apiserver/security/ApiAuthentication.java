package io.paasoperator.apiserver.security;

import io.paasoperator.contract.Problem;
import io.paasoperator.apiserver.problem.ProblemMappers;
import jakarta.inject.Singleton;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /apis/…} call needs {@code Authorization: Bearer <token>}. Probes ({@code /q/health}) stay open. The two
 * routes agents call — health reports and action results — are not API-client routes: they take the per-host secret
 * the SSH bootstrap handed to each agent instead (checked by the API edge, AgentReports).
 */
@Singleton
public class ApiAuthentication {

    private static final String PREFIX = "Bearer ";
    private static final Pattern AGENT_ROUTES = Pattern.compile("/apis/v1alpha1/[^/]+/[^/]+/(check|operations/[^/]+)");

    private final ApiTokens tokens;

    public ApiAuthentication(ApiTokens tokens) {
        this.tokens = tokens;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/apis/") || (request.getMethod().equals("PUT") && AGENT_ROUTES.matcher(path).matches())) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        if (header != null && header.startsWith(PREFIX) && tokens.accepts(header.substring(PREFIX.length()))) {
            return Optional.empty();
        }
        return Optional.of(ProblemMappers.respond(new Problem("Unauthorized", 401, header == null
                ? "this API needs Authorization: Bearer <token> (PAAS_API_TOKENS; in local mode, printed at first start)"
                : "the bearer token is not valid", List.of())));
    }
}
