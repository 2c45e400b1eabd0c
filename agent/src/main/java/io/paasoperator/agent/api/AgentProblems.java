package io.paasoperator.agent.api;

import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import java.util.List;
import java.util.UUID;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** Every refusal and failure as a problem+json document; stack traces stay in the log. */
public class AgentProblems {

    private static final Logger LOG = Logger.getLogger(AgentProblems.class);

    @ServerExceptionMapper
    public Response refused(ProblemException e) {
        return respond(e.toProblem());
    }

    @ServerExceptionMapper
    public Response framework(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        if (status >= 500) {
            return unexpected(e);
        }
        Response.StatusType type = Response.Status.fromStatusCode(status);
        String title = type != null ? type.getReasonPhrase() : "Error";
        return respond(new Problem(title, status, title.toLowerCase() + ": see the agent's API in the README", List.of()));
    }

    @ServerExceptionMapper
    public Response unexpected(Throwable e) {
        String incident = UUID.randomUUID().toString();
        LOG.errorf(e, "request failed, incident %s", incident);
        return respond(new Problem("Internal Server Error", 500, "the agent could not complete the request; incident "
                + incident + " is in its log", List.of()));
    }

    static Response respond(Problem problem) {
        return Response.status(problem.status()).type(Problem.MEDIA_TYPE).entity(problem).build();
    }
}
