package io.paasoperator.apiserver.security;

import io.paasoperator.apiserver.problem.ProblemMappers;
import io.paasoperator.contract.Problem;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Singleton;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Every {@code /apis/…} call needs {@code Authorization: Bearer <token>}, and the token's role must cover the call:
 * reads need a viewer, state changes and restarts an operator, everything else (creates, updates, deletes, hosts) an
 * admin. Probes ({@code /q/health}) stay open. The two routes agents call — health reports and action results — are not
 * API-client routes: they take the per-host secret the SSH bootstrap handed to each agent instead (checked by the API
 * edge, AgentReports). An address that keeps failing is refused for a while (AuthFailures), whatever it presents.
 */
@Singleton
public class ApiAuthentication {

    private static final String PREFIX = "Bearer ";
    private static final Pattern AGENT_ROUTES = Pattern.compile("/apis/v1alpha1/[^/]+/[^/]+/(check|operations/[^/]+)");
    private static final Pattern OPERATOR_ROUTES = Pattern.compile("/apis/v1alpha1/[^/]+/[^/]+/(running|stopped|not-installed|restart)");

    private final ApiTokens tokens;
    private final AuthFailures failures;
    private final CurrentCaller current;

    public ApiAuthentication(ApiTokens tokens, AuthFailures failures, CurrentCaller current) {
        this.tokens = tokens;
        this.failures = failures;
        this.current = current;
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request, HttpServerRequest connection) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/apis/")) {
            return Optional.empty();
        }
        String address = clientAddress(connection);
        long wait = failures.waitSeconds(address);
        if (wait > 0) {
            return Optional.of(Response.fromResponse(ProblemMappers.respond(new Problem("Too Many Requests", 429,
                    "too many failed authentications from " + address + "; try again in " + wait + " s", List.of())))
                    .header(HttpHeaders.RETRY_AFTER, wait).build());
        }
        String method = request.getMethod();
        if (method.equals("PUT") && AGENT_ROUTES.matcher(path).matches()) {
            return Optional.empty();
        }
        String header = request.getHeaderString(HttpHeaders.AUTHORIZATION);
        Optional<Caller> caller = header != null && header.startsWith(PREFIX) ? tokens.caller(header.substring(PREFIX.length()))
                : Optional.empty();
        if (caller.isEmpty()) {
            failures.failed(address);
            return Optional.of(ProblemMappers.respond(new Problem("Unauthorized", 401, header == null
                    ? "this API needs Authorization: Bearer <token> (PAAS_API_TOKENS; in local mode, printed at first start)"
                    : "the bearer token is not valid", List.of())));
        }
        Role needed = needed(method, path);
        if (!caller.get().role().allows(needed)) {
            return Optional.of(ProblemMappers.respond(new Problem("Forbidden", 403, "token '" + caller.get().name() + "' is "
                    + (caller.get().role() == Role.VIEWER ? "a " : "an ") + caller.get().role().wire() + "; " + method + " " + path + " needs " + needed.wire(), List.of())));
        }
        current.set(caller.get());
        return Optional.empty();
    }

    /** The address failures are counted by. */
    public static String clientAddress(HttpServerRequest connection) {
        return connection.remoteAddress() == null ? "unknown" : connection.remoteAddress().hostAddress();
    }

    static Role needed(String method, String path) {
        if (method.equals("GET") || method.equals("HEAD")) {
            return Role.VIEWER;
        }
        return method.equals("PUT") && OPERATOR_ROUTES.matcher(path).matches() ? Role.OPERATOR : Role.ADMIN;
    }
}
