package io.paasoperator.apiserver.problem;

import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Request;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
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
        if (problem.status() == 401) {
            response.header(HttpHeaders.WWW_AUTHENTICATE, "Bearer"); // RFC 9110: a 401 names the scheme to use
        }
        if (retryAfterSeconds > 0) {
            response.header(HttpHeaders.RETRY_AFTER, retryAfterSeconds);
        }
        return response.build();
    }
}
