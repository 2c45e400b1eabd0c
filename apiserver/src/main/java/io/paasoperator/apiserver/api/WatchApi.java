package io.paasoperator.apiserver.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.problem.ProblemMappers;
import io.paasoperator.apiserver.security.ApiAuthentication;
import io.paasoperator.apiserver.watch.ChangeLog;
import io.paasoperator.apiserver.watch.ChangeNotifications;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.vertx.http.runtime.RouteConstants;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * {@code GET /apis/v1alpha1/{kind}?watch=true}: the kind's changes as Server-Sent Events (see docs/watch.md). Served by a
 * Vert.x route ahead of the JAX-RS list on the same path, because a stream needs what JAX-RS hides: the connection's
 * write queue (a client that does not read is cut off, never buffered for) and its close (the watcher is dropped at
 * once). Authentication is the API's own ({@link ApiAuthentication#check}); every refusal is a problem+json answer
 * before any stream starts.
 */
@Singleton
public class WatchApi {

    static final String EVENT_STREAM = "text/event-stream";
    static final String LAST_EVENT_ID = "Last-Event-ID";
    private static final Pattern EVENT_ID = Pattern.compile("\\d{1,18}");
    /** What a watch takes: a list's filters, and where to resume; no page (limit, continue). */
    private static final Set<String> WATCH_PARAMETERS = Set.of("watch", "expect", "realtime", "since");

    private final ApiAuthentication authentication;
    private final WatchStream.Means means;

    public WatchApi(ApiAuthentication authentication, ChangeLog changes, ChangeNotifications notifications, ObjectMapper json,
            Vertx vertx, @ConfigProperty(name = "paas.watch.heartbeat") Duration heartbeat,
            @ConfigProperty(name = "paas.watch.buffer-bytes") long bufferBytes) {
        this.authentication = authentication;
        this.means = new WatchStream.Means(changes, notifications, json, vertx, heartbeat, bufferBytes);
    }

    void routes(@Observes Router router) {
        router.get("/apis/v1alpha1/:kind").order(RouteConstants.ROUTE_ORDER_BEFORE_DEFAULT).handler(this::serve);
    }

    private void serve(RoutingContext routing) {
        HttpServerRequest request = routing.request();
        String watch = request.getParam("watch");
        // The hosts list is no kind and has no watch; without watch=true this is the plain list (ResourceApi).
        if (watch == null || watch.equals("false") || routing.pathParam("kind").equals("hosts")) {
            routing.next();
            return;
        }
        ApiAuthentication.Verdict verdict = authentication.check("GET", request.path(),
                request.getHeader(HttpHeaders.AUTHORIZATION), ApiAuthentication.clientAddress(request));
        if (verdict.refusal() != null) {
            refuse(routing, verdict.refusal(), verdict.retryAfterSeconds());
            return;
        }
        WatchStream stream;
        WatchStream.Resume since;
        try {
            ResourceKind kind = AgentCallbacks.kind(routing.pathParam("kind"));
            List<Problem.FieldError> errors = new ArrayList<>();
            QueryParameters.check(queryParameters(routing), WATCH_PARAMETERS, errors);
            if (!watch.equals("true")) {
                errors.add(new Problem.FieldError("watch", "must be true or false"));
            }
            ExpectedState expect = ResourceApi.filter(ExpectedState.class, request.getParam("expect"), "expect", errors);
            RealtimeState realtime = ResourceApi.filter(RealtimeState.class, request.getParam("realtime"), "realtime", errors);
            since = since(request, errors);
            QueryParameters.refuseIfAny(errors);
            stream = new WatchStream(routing.response(), kind, expect, realtime, means);
        } catch (ProblemException e) {
            refuse(routing, e.toProblem(), 0);
            return;
        }
        stream.start(since);
    }

    /**
     * Where to resume: the header an EventSource sends on its own, or {@code since} for clients that set no headers; null
     * when neither is given, or when the one given is bad (then named in {@code errors}).
     */
    private static WatchStream.Resume since(HttpServerRequest request, List<Problem.FieldError> errors) {
        String header = request.getHeader(LAST_EVENT_ID);
        String field = header != null ? LAST_EVENT_ID : "since";
        String value = header != null ? header : request.getParam("since");
        if (value == null) {
            return null;
        }
        if (!EVENT_ID.matcher(value.trim()).matches()) {
            errors.add(new Problem.FieldError(field, "must be the id of an event this stream sent (a whole number);"
                    + " leave it out to start with every resource as it is"));
            return null;
        }
        return new WatchStream.Resume(Long.parseLong(value.trim()), field);
    }

    /** The request's query parameters, each name with its values. */
    private static Map<String, List<String>> queryParameters(RoutingContext routing) {
        Map<String, List<String>> given = new LinkedHashMap<>();
        routing.queryParams().names().forEach(name -> given.put(name, routing.queryParams().getAll(name)));
        return given;
    }

    private void refuse(RoutingContext routing, Problem problem, long retryAfterSeconds) {
        ProblemMappers.respond(routing.response(), problem, retryAfterSeconds, means.json());
    }
}
