package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.apiserver.resource.RequestReader;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.security.ApiAuthentication;
import io.paasoperator.apiserver.resource.ResourceViews.StatusView;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * What agents send the apiserver (SPEC.md §5): health reports (the seed's route) and actions' results. Each is taken
 * only with the secret of an agent on one of the resource's hosts, which names the host it is about, and goes to the
 * reconciler, which applies it by the rules.
 */
@Path("/apis/v1alpha1/{kind}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = ApiDocument.AGENT_TAG)
@SecurityRequirement(name = "agentSecret")
@APIResponse(responseCode = "400", ref = "BadRequest")
@APIResponse(responseCode = "403", ref = "Forbidden")
@APIResponse(responseCode = "404", ref = "NotFound")
@APIResponse(responseCode = "413", ref = "ContentTooLarge")
public class AgentCallbacks {

    private final AgentReports reports;
    private final RequestReader reader;
    private final BodyLimit bodyLimit;
    private final Reconciler reconciler;
    private final ResourceStore store;

    public AgentCallbacks(AgentReports reports, RequestReader reader, BodyLimit bodyLimit, Reconciler reconciler,
            ResourceStore store) {
        this.reports = reports;
        this.reader = reader;
        this.bodyLimit = bodyLimit;
        this.reconciler = reconciler;
        this.store = store;
    }

    @PUT
    @Path("{name}/check")
    @Operation(operationId = "report{Kind}Check", summary = "A health report from the agent of one of the resource's hosts")
    @APIResponse(responseCode = "202", description = "Taken",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StatusView.class)))
    public Uni<RestResponse<StatusView>> check(@RestPath String kind, @RestPath String name,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest connection,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(ref = "CheckReportInput"))) String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        return reports.authorize(resourceKind, name, authorization, ApiAuthentication.clientAddress(connection))
                .chain(ip -> reconciler.report(resourceKind, name, ip, reader.readCheckReport(body)))
                .chain(() -> store.get(resourceKind, name)).map(record -> RestResponse.accepted(StatusView.of(record)));
    }

    @PUT
    @Path("{name}/operations/{id}")
    @Operation(operationId = "report{Kind}OperationResult", summary = "An action's result, from the agent that ran it")
    @APIResponse(responseCode = "202", description = "Taken")
    public Uni<RestResponse<Void>> result(@RestPath String kind, @RestPath String name,
            @Parameter(description = "The operation's id, as the apiserver chose it") @RestPath String id,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest connection,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(ref = "OperationReportInput"))) String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        // Whether the agent manages the resource is checked where the result is written: one read of it, not two.
        return reports.agentHost(authorization, ApiAuthentication.clientAddress(connection)).chain(ip -> {
            // Fully qualified: OpenAPI's @Operation annotation holds the short name in this class.
            io.paasoperator.contract.Operation operation;
            try {
                operation = reader.readOperation(body);
                if (!id.equals(operation.id())) {
                    throw ProblemException.invalidField("id", "the body is operation " + operation.id() + ", the URL names " + id);
                }
            } catch (ProblemException badBody) {
                // As for every agent call, an agent that does not manage the resource hears 403 before what its body lacks.
                return reports.manages(resourceKind, name, ip).chain(() -> Uni.createFrom().failure(badBody));
            }
            return reconciler.resultFromAgent(resourceKind, name, ip, operation);
        }).replaceWith(RestResponse.accepted());
    }

    static ResourceKind kind(String path) {
        return WireValue.parse(ResourceKind.class, path).orElseThrow(() -> ProblemException.notFound(
                "no such kind '" + path + "': the kinds are " + AppSpecRules.wireWords(ResourceKind.class)));
    }
}
