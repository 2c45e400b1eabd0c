package io.paasoperator.apiserver.problem;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import io.vertx.core.http.HttpServerResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Turns every failure into a problem+json response. Stack traces go to the log, never to a client. */
public class ProblemMappers {

    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    static final int RETRY_AFTER_SECONDS = 2;

    @ServerExceptionMapper
    public Response refused(ProblemException e) {
        return respond(e.toProblem());
    }

    @ServerExceptionMapper
    public Response noRoute(NotFoundException e, UriInfo uri) {
        return respond(new Problem("Not Found", 404, "no such route: /" + uri.getPath().replaceFirst("^/", ""), List.of()));
    }

    @ServerExceptionMapper
    public Response wrongMethod(NotAllowedException e, Request request, UriInfo uri) {
        return respond(new Problem("Method Not Allowed", 405, "/" + uri.getPath().replaceFirst("^/", "")
                + " does not take " + request.getMethod() + "; see /q/openapi for the methods each route takes", List.of()));
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return status >= 500 ? unexpected(e) : respond(Problem.ofStatus(status));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "request failed, incident %s", incident);
        return respond(Problem.internal(incident));
    }

    /**
     * The answer carrying {@code problem}. A 503 says when to try again: it is a moment's unavailability (the database
     * out of reach while it restarts, a second or two; or more agent calls at once than this apiserver takes).
     */
    public static Response respond(Problem problem) {
        return respond(problem, problem.status() == 503 ? RETRY_AFTER_SECONDS : 0);
    }

    /** The answer carrying {@code problem}, with {@code Retry-After} when {@code retryAfterSeconds} is positive. */
    public static Response respond(Problem problem, long retryAfterSeconds) {
        Response.ResponseBuilder response = Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem);
        headers(problem, retryAfterSeconds).forEach(response::header);
        return response.build();
    }

    /** {@link #respond(Problem, long)} on a route Vert.x serves itself (the watch stream's refusals before it starts). */
    public static void respond(HttpServerResponse response, Problem problem, long retryAfterSeconds, ObjectMapper json) {
        String body;
        try {
            body = json.writeValueAsString(problem);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a problem does not serialize", e);
        }
        response.setStatusCode(problem.status()).putHeader(HttpHeaders.CONTENT_TYPE, Problem.MEDIA_TYPE);
        headers(problem, retryAfterSeconds).forEach(response::putHeader);
        response.end(body);
    }

    /** The headers a problem answer carries besides its type. */
    private static Map<String, String> headers(Problem problem, long retryAfterSeconds) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (problem.status() == 401) {
            headers.put(HttpHeaders.WWW_AUTHENTICATE, "Bearer"); // RFC 9110: a 401 names the scheme to use
        }
        if (retryAfterSeconds > 0) {
            headers.put(HttpHeaders.RETRY_AFTER, String.valueOf(retryAfterSeconds));
        }
        return headers;
    }
}
