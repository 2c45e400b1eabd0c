package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.history.History;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.buffer.Buffer;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.UriInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;

/**
 * An operation's whole log (issue 14): its script's stdout and stderr as the agent of the host that ran it keeps them,
 * passed through as they arrive — the apiserver holds a few chunks at a time, never the whole log, and reads from the
 * agent only as fast as the client reads. The host is the one the operation's event names (or the one running it),
 * or {@code ?host=}; never a host that is not the resource's.
 */
@Path("/apis/v1alpha1/{kind}")
public class OperationLogApi {

    static final String TEXT_UTF8 = "text/plain;charset=utf-8";

    private final ResourceStore store;
    private final History history;
    private final HostAgents hostAgents;
    private final AgentClient agents;

    public OperationLogApi(ResourceStore store, History history, HostAgents hostAgents, AgentClient agents) {
        this.store = store;
        this.history = history;
        this.hostAgents = hostAgents;
        this.agents = agents;
    }

    @GET
    @Path("{name}/operations/{id}/log")
    @Produces(TEXT_UTF8)
    @Operation(operationId = "get{Kind}OperationLog", summary = "An operation's whole log, from the agent that ran it",
            description = "The script's stdout and stderr as the agent of its host keeps them, streamed; a running"
                    + " operation's log as far as it got. Over the agent's size bound (AGENT_LOG_MAX_BYTES, 1 MiB) only"
                    + " its last part is kept, behind a first line saying how much was dropped. The events link each"
                    + " operation's log (log).")
    @APIResponse(responseCode = "200", description = "The log",
            content = @Content(mediaType = "text/plain", schema = @Schema(type = SchemaType.STRING)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No such resource, host of it, or operation; or"
            + " the agent no longer keeps that log (detail says which)")
    @APIResponse(responseCode = "502", ref = "BadGateway")
    public RestMulti<Buffer> log(@RestPath String kind, @RestPath String name,
            @Parameter(description = "The operation's id, as its events show it (operation_id)") @RestPath String id,
            @Parameter(description = "The host that ran it; needed only when the events do not say (several hosts, and"
                    + " an operation that has not reported yet)") @RestQuery String host, UriInfo uri) {
        ResourceKind resourceKind = AgentCallbacks.kind(kind);
        List<Problem.FieldError> errors = new ArrayList<>();
        QueryParameters.check(uri.getQueryParameters(), Set.of("host"), errors);
        if (host != null && !HostSpec.isIpLiteral(host)) {
            errors.add(new Problem.FieldError("host", "must be an IP address literal, one of the resource's hosts"));
        }
        QueryParameters.refuseIfAny(errors);
        Uni<Multi<Buffer>> content = store.get(resourceKind, name)
                .chain(record -> host(record, id, host))
                .chain(ip -> read(resourceKind, name, ip, id));
        return RestMulti.fromUniResponse(content, body -> body);
    }

    /** The host whose agent ran the operation: the one asked for, the one running it, or the one its event names. */
    private Uni<String> host(ResourceRecord record, String id, String asked) {
        String resource = record.kind.wire() + " '" + record.name + "'";
        if (!NamingRules.isOperationId(id)) {
            throw ProblemException.notFound("no operation " + id + " of " + resource + ": operation ids are " + NamingRules.OPERATION_ID_RULE);
        }
        if (asked != null) {
            return Uni.createFrom().item(oneOfItsHosts(record, asked, resource));
        }
        Optional<String> running = record.hostStates().stream()
                .filter(h -> h.inFlight() != null && id.equals(h.inFlight().operationId())).map(HostState::ip).findFirst();
        if (running.isPresent()) {
            return Uni.createFrom().item(running.get());
        }
        return history.operationHost(record.kind, record.name, id).map(ip -> {
            if (ip != null) {
                return oneOfItsHosts(record, ip, resource);
            }
            if (record.hostStates().size() == 1) {
                return record.hostStates().get(0).ip(); // its agent knows whether it ran the operation
            }
            throw ProblemException.notFound("no event of " + resource + " names operation " + id + "; for one that has not"
                    + " reported yet, name the host that runs it: ?host=<ip>");
        });
    }

    private static String oneOfItsHosts(ResourceRecord record, String ip, String resource) {
        if (!record.hostIps().contains(ip)) {
            throw ProblemException.notFound(ip + " is not one of the hosts of " + resource + " (" + String.join(", ",
                    new TreeSet<>(record.hostIps())) + "): logs are read only from a resource's own hosts");
        }
        return ip;
    }

    private Uni<Multi<Buffer>> read(ResourceKind kind, String name, String ip, String id) {
        return hostAgents.lastKnown(ip).chain(agent -> {
            if (agent == null) {
                return Uni.createFrom().failure(ProblemException.notFound("no agent was ever installed or registered on " + ip
                        + " (or it was forgotten), so no log of operation " + id + " is there"));
            }
            return agents.operationLog(agent, id)
                    .onFailure(AgentClient.NotKnown.class).transform(e -> ProblemException.notFound("the agent on " + ip
                            + " has no log of operation " + id + " of " + kind.wire() + " '" + name + "': " + e.getMessage()))
                    .onFailure(AgentCallException.class).transform(e -> ProblemException.badGateway("cannot read the log of"
                            + " operation " + id + " from " + ip + ": " + e.getMessage() + ". " + whatToDo(ip,
                            ((AgentCallException) e).failure())));
        });
    }

    private static String whatToDo(String ip, AgentCallException.Failure failure) {
        return switch (failure) {
            case UNREACHABLE -> "The host or its agent is down: GET /apis/v1alpha1/hosts/" + ip + " and the resource's"
                    + " detail.hosts[] show its last error; try again once the agent answers";
            case SECRET_REFUSED -> "The agent there is not the one this apiserver installed or registered: the reconciler"
                    + " installs it again at its next step, or register the agent again (PUT /apis/v1alpha1/hosts/" + ip + ")";
            case REFUSED -> "The agent's own log (agent.log in its home) says why";
        };
    }
}
