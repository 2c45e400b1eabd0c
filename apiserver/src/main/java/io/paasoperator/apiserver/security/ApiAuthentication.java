package io.paasoperator.apiserver.security;

import io.paasoperator.apiserver.problem.ProblemMappers;
import io.paasoperator.contract.Problem;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
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
 * admin. Probes ({@code /q/health}) stay open. The routes agents call — health reports (per application or per host)
 * and action results — are not API-client routes: they take the per-host secret the SSH bootstrap handed to each agent
 * instead (checked by the API edge, AgentReports). An address that keeps failing is refused for a while (AuthFailures),
 * whatever it presents. Application-scoped, not a singleton: REST filters are built at static initialization, which a
 * native build runs at build time; a singleton would make ApiTokens there (reading the build machine's tokens, or
 * generating one into its data directory), while this is made at the first call, on the machine that serves.
 */
@ApplicationScoped
public class ApiAuthentication {

    private static final String PREFIX = "Bearer ";
    private static final Pattern AGENT_ROUTES = Pattern.compile(
            "/apis/v1alpha1/(hosts/[^/]+/report|[^/]+/[^/]+/(check|operations/[^/]+))");
    private static final Pattern OPERATOR_ROUTES = Pattern.compile("/apis/v1alpha1/[^/]+/[^/]+/(running|stopped|not-installed|restart)");

    private final ApiTokens tokens;
    private final AuthFailures failures;
    private final CurrentCaller current;

    public ApiAuthentication(ApiTokens tokens, AuthFailures failures, CurrentCaller current) {
        this.tokens = tokens;
        this.failures = failures;
        this.current = current;
    }

    /**
     * The outcome of authenticating one call: the caller (null on the agents' routes, which check their own secret), or
     * the problem that refuses it, with the seconds to wait before trying again for a throttled address (else 0).
     */
    public record Verdict(Caller caller, Problem refusal, long retryAfterSeconds) {
    }

    @ServerRequestFilter(preMatching = true)
    public Optional<Response> authenticate(ContainerRequestContext request, HttpServerRequest connection) {
        String path = request.getUriInfo().getPath();
        if (!path.startsWith("/apis/")) {
            return Optional.empty();
        }
        Verdict verdict = check(request.getMethod(), path, request.getHeaderString(HttpHeaders.AUTHORIZATION), clientAddress(connection));
        if (verdict.refusal() != null) {
            return Optional.of(ProblemMappers.respond(verdict.refusal(), verdict.retryAfterSeconds()));
        }
        if (verdict.caller() != null) {
            current.set(verdict.caller());
        }
        return Optional.empty();
    }

    /**
     * Authenticates a call to {@code method path} with {@code authorization} (the header, or null) from {@code address}:
     * the same for every route, whether JAX-RS or a plain Vert.x one serves it (the watch stream).
     */
    public Verdict check(String method, String path, String authorization, String address) {
        long wait = failures.waitSeconds(address);
        if (wait > 0) {
            return new Verdict(null, new Problem("Too Many Requests", 429, "too many failed authentications from " + address
                    + "; try again in " + wait + " s", List.of()), wait);
        }
        if (isAgentCall(method, path)) {
            return new Verdict(null, null, 0);
        }
        Optional<Caller> caller = authorization != null && authorization.startsWith(PREFIX)
                ? tokens.caller(authorization.substring(PREFIX.length())) : Optional.empty();
        if (caller.isEmpty()) {
            failures.failed(address);
            return new Verdict(null, new Problem("Unauthorized", 401, authorization == null
                    ? "this API needs Authorization: Bearer <token> (PAAS_API_TOKENS; in local mode, printed at first start)"
                    : "the bearer token is not valid", List.of()), 0);
        }
        Role needed = needed(method, path);
        if (!caller.get().role().allows(needed)) {
            return new Verdict(null, new Problem("Forbidden", 403, "token '" + caller.get().name() + "' is "
                    + (caller.get().role() == Role.VIEWER ? "a " : "an ") + caller.get().role().wire() + "; " + method + " "
                    + path + " needs " + needed.wire(), List.of()), 0);
        }
        return new Verdict(caller.get(), null, 0);
    }

    /** A call agents make (a health report or an action's result), which takes an agent's secret, not an API token. */
    public static boolean isAgentCall(String method, String path) {
        return method.equals("PUT") && AGENT_ROUTES.matcher(path).matches();
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
