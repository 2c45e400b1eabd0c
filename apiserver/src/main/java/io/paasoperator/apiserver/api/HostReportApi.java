package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.apiserver.reconcile.Reconciler.HostReportOutcome;
import io.paasoperator.apiserver.resource.RequestReader;
import io.paasoperator.apiserver.security.ApiAuthentication;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
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
 * One health report per host per interval, from its agent, with every application's latest verdict: the way agents
 * report at scale (one request per host instead of one per application, and a write only when a verdict changes
 * something). Taken only with that host's agent secret.
 */
@Path("/apis/v1alpha1/hosts/{ip}/report")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = ApiDocument.AGENT_TAG)
@SecurityRequirement(name = "agentSecret")
public class HostReportApi {

    private final AgentReports reports;
    private final RequestReader reader;
    private final BodyLimit bodyLimit;
    private final Reconciler reconciler;

    public HostReportApi(AgentReports reports, RequestReader reader, BodyLimit bodyLimit, Reconciler reconciler) {
        this.reports = reports;
        this.reader = reader;
        this.bodyLimit = bodyLimit;
        this.reconciler = reconciler;
    }

    @PUT
    @Operation(operationId = "reportHost", summary = "The latest health verdict of every application on a host, from its agent")
    @APIResponse(responseCode = "202", description = "Taken; verdicts for resources not managed on this host are listed as ignored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HostReportOutcome.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "403", ref = "Forbidden")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge")
    public Uni<RestResponse<HostReportOutcome>> report(
            @Parameter(description = "The host's address, as the apiserver names it to its agent (HOST_IP)") @RestPath String ip,
            @Parameter(hidden = true) @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization,
            @Context HttpServerRequest connection,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(ref = "HostReportInput"))) String body) {
        bodyLimit.checkReadLength(body);
        return reports.authorizeHost(ip, authorization, ApiAuthentication.clientAddress(connection))
                .chain(heartbeat -> reconciler.reportHost(ip, heartbeat, reader.readHostReport(body)))
                .map(RestResponse::accepted);
    }
}
