package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.history.ChangeDay;
import io.paasoperator.apiserver.history.History;
import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.apiserver.resource.CreateRequest;
import io.paasoperator.apiserver.resource.RequestReader;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.resource.SpecValidator;
import io.paasoperator.apiserver.security.CurrentCaller;
import io.paasoperator.apiserver.resource.ResourceViews.DeleteResult;
import io.paasoperator.apiserver.resource.ResourceViews.EventView;
import io.paasoperator.apiserver.resource.ResourceViews.ResourcePage;
import io.paasoperator.apiserver.resource.ResourceViews.ResourceView;
import io.paasoperator.apiserver.resource.ResourceViews.StatusView;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.ParameterIn;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.headers.Header;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestQuery;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The seed's API for both kinds, one implementation: {@code /apis/v1alpha1/{database|middleware}/…}.
 * Bodies are read as text so that the seed's lenient JSON and precise field errors are ours to decide.
 */
@Path("/apis/v1alpha1/{kind}")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class ResourceApi {

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;
    /** What a list takes; watch=false too (watch=true is {@link WatchApi}'s). */
    private static final Set<String> LIST_PARAMETERS = Set.of("expect", "realtime", "limit", "continue", "watch");

    private final ResourceStore store;
    private final History history;
    private final RequestReader reader;
    private final SpecValidator validator;
    private final ResourceDocuments documents;
    private final BodyLimit bodyLimit;
    private final Reconciler reconciler;
    private final CurrentCaller caller;

    public ResourceApi(ResourceStore store, History history, RequestReader reader, SpecValidator validator,
            ResourceDocuments documents, BodyLimit bodyLimit, Reconciler reconciler, CurrentCaller caller) {
        this.store = store;
        this.history = history;
        this.reader = reader;
        this.validator = validator;
        this.documents = documents;
        this.bodyLimit = bodyLimit;
        this.reconciler = reconciler;
        this.caller = caller;
    }

    @POST
    @Path("create")
    @Operation(operationId = "create{Kind}", summary = "Create a resource",
            description = "The seed's body; trailing commas and \"// …\" comment keys are accepted. app.status sets the"
                    + " initial state (expect defaults to not-installed).")
    @APIResponse(responseCode = "201", description = "Created", headers = @Header(name = "Location",
            description = "The resource's URL", schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResourceView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "The name is taken, or a host's agent is set up"
            + " differently by another resource")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge")
    public Uni<RestResponse<ResourceView>> create(@RestPath String kind, @RequestBody(required = true,
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "ResourceSpec"))) String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        CreateRequest request = validator.validate(reader.readCreate(body, resourceKind));
        return store.create(resourceKind, request, caller.name()).invoke(this::wake).map(record -> RestResponse.ResponseBuilder.<ResourceView>
                created(URI.create("/apis/v1alpha1/" + resourceKind.wire() + "/" + record.name))
                .entity(documents.view(record)).build());
    }

    @GET
    @Operation(operationId = "list{Kind}s", summary = "List resources by name, or watch them change",
            description = "Optionally only those with one expected or realtime state; a page at a time. With watch=true"
                    + " (served by WatchApi): a text/event-stream of the kind's changes instead, read with an SSE client,"
                    + " not a generated one: one ADDED per resource first (or, with Last-Event-ID, the changes after it),"
                    + " then one event per change, each 'id: <seq>', 'event: ADDED|MODIFIED|DELETED' and 'data: <the"
                    + " resource as GET answers it>'; ': heartbeat' comments keep it open; an 'event: ERROR' with a problem"
                    + " (410: list again; 503: too slow a reader, resume) ends it. See docs/watch.md.")
    @Parameter(name = "watch", in = ParameterIn.QUERY, description = "true: watch the kind's changes (text/event-stream)",
            schema = @Schema(type = SchemaType.BOOLEAN, defaultValue = "false"))
    @Parameter(name = "Last-Event-ID", in = ParameterIn.HEADER, description = "With watch=true: resume after this"
            + " event id (the last one received)", schema = @Schema(type = SchemaType.STRING, pattern = "^[0-9]{1,18}$"))
    @Parameter(name = "since", in = ParameterIn.QUERY, description = "With watch=true: Last-Event-ID, for clients that"
            + " cannot set headers", schema = @Schema(type = SchemaType.STRING, pattern = "^[0-9]{1,18}$"))
    @APIResponse(responseCode = "200", description = "A page, and the value of continue for the next one; with"
            + " watch=true, the stream of changes", content = {
                    @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResourcePage.class)),
                    @Content(mediaType = WatchApi.EVENT_STREAM, schema = @Schema(type = SchemaType.STRING,
                            description = "Server-Sent Events: id, event (ADDED, MODIFIED, DELETED or ERROR) and data (one"
                                    + " line of JSON: the resource, or for ERROR a problem document)"))})
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<ResourcePage> list(@RestPath String kind,
            @Parameter(description = "Only resources expected in this state", schema = @Schema(implementation = ExpectedState.class))
            @RestQuery String expect,
            @Parameter(description = "Only resources in this realtime state", schema = @Schema(implementation = RealtimeState.class))
            @RestQuery String realtime,
            @Parameter(description = "Page size", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000",
                    defaultValue = "100")) @RestQuery String limit,
            @Parameter(description = "The previous page's continue value") @RestQuery("continue") String after, UriInfo uri) {
        ResourceKind resourceKind = kind(kind);
        List<Problem.FieldError> errors = new ArrayList<>();
        // Named first, so that it, not the check's "not a parameter of this call", is what the 400 says of since.
        if (uri.getQueryParameters().containsKey("since")) {
            errors.add(new Problem.FieldError("since", "is taken only with watch=true: where a watch resumes"));
        }
        QueryParameters.check(uri.getQueryParameters(), LIST_PARAMETERS, errors);
        ExpectedState expectFilter = filter(ExpectedState.class, expect, "expect", errors);
        RealtimeState realtimeFilter = filter(RealtimeState.class, realtime, "realtime", errors);
        int pageSize = pageSize(limit, errors);
        if (after != null && !NamingRules.isResourceName(after)) { // some (a NUL) are not even text to PostgreSQL
            errors.add(new Problem.FieldError("continue", "must be the continue value of a page: a resource's name"));
        }
        QueryParameters.refuseIfAny(errors);
        // One more than asked tells whether another page follows.
        return store.list(resourceKind, expectFilter, realtimeFilter, after, pageSize + 1).map(records -> {
            List<ResourceRecord> page = records.size() > pageSize ? records.subList(0, pageSize) : records;
            String next = records.size() > pageSize ? page.get(page.size() - 1).name : null;
            return new ResourcePage(page.stream().map(documents::view).toList(), next);
        });
    }

    @GET
    @Path("{name}")
    @Operation(operationId = "get{Kind}", summary = "The full resource, with each host's state",
            description = "Passwords, private keys and passphrases read ******. The ETag names the spec's version, for"
                    + " If-Match on an update.")
    @APIResponse(responseCode = "200", description = "The resource", headers = @Header(name = "ETag",
            schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResourceView.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<RestResponse<ResourceView>> get(@RestPath String kind, @RestPath String name) {
        return store.getWithHeartbeats(kind(kind), name).map(read -> {
            read.record().showHeard(read.heartbeats());
            return withEtag(read.record());
        });
    }

    @PUT
    @Path("{name}")
    @Operation(operationId = "update{Kind}", summary = "Replace the hosts and the app",
            description = "A create-shaped body without app.status; a password, private key or passphrase sent as ******"
                    + " keeps the stored one. A change of what the hosts run is rolled out host by host.")
    @APIResponse(responseCode = "200", description = "The resource as stored", headers = @Header(name = "ETag",
            schema = @Schema(type = SchemaType.STRING)),
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = ResourceView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "Being uninstalled, or a host's agent is set up"
            + " differently by another resource")
    @APIResponse(responseCode = "412", ref = "PreconditionFailed")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge")
    public Uni<RestResponse<ResourceView>> update(@RestPath String kind, @RestPath String name,
            @Parameter(description = "The ETag of a GET: refuses the update if the resource changed since")
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch,
            @RequestBody(required = true, content = @Content(mediaType = MediaType.APPLICATION_JSON,
                    schema = @Schema(ref = "ResourceSpec"))) String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        CreateRequest request = validator.validate(reader.readCreate(body, resourceKind));
        if (!name.equals(request.name())) {
            throw ProblemException.invalidField("name", "is '" + request.name() + "', and the URL names '" + name
                    + "': a resource cannot be renamed");
        }
        if (request.statusGiven()) {
            throw ProblemException.invalidField("app.status", "cannot be set by an update: states change only through"
                    + " PUT /{kind}/{name}/running, stopped, not-installed or restart");
        }
        return store.replaceSpec(resourceKind, request, ifMatch, caller.name()).invoke(this::wake).map(this::withEtag);
    }

    @GET
    @Path("{name}/status")
    @Operation(operationId = "get{Kind}Status", summary = "Expected and realtime state")
    @APIResponse(responseCode = "200", description = "The states",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StatusView.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<StatusView> status(@RestPath String kind, @RestPath String name) {
        return store.status(kind(kind), name);
    }

    @PUT
    @Path("{name}/{target: running|stopped|not-installed}")
    @Operation(operationId = "set{Kind}Expect", summary = "Set the expected state",
            description = "Answered once it is stored; the reconciler then drives every host there.")
    @APIResponse(responseCode = "202", description = "Stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StatusView.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "Being uninstalled for deletion")
    public Uni<RestResponse<StatusView>> expect(@RestPath String kind, @RestPath String name,
            @Parameter(description = "The state to expect", schema = @Schema(implementation = ExpectedState.class))
            @RestPath String target) {
        return store.setExpect(kind(kind), name, ExpectedState.fromWire(target), caller.name()).invoke(this::wake).map(ResourceApi::accepted);
    }

    @PUT
    @Path("{name}/restart")
    @Operation(operationId = "restart{Kind}", summary = "Restart on every host",
            description = "Only for a resource expected running; the expected state stays as it is.")
    @APIResponse(responseCode = "202", description = "Stored",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = StatusView.class)))
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "Not expected running, or being uninstalled")
    public Uni<RestResponse<StatusView>> restart(@RestPath String kind, @RestPath String name) {
        return store.requestRestart(kind(kind), name, caller.name()).invoke(this::wake).map(ResourceApi::accepted);
    }

    @DELETE
    @Path("{name}")
    @Operation(operationId = "delete{Kind}", summary = "Stop managing a resource",
            description = "Its application stays on the hosts; 200 whether or not it existed. With uninstall=true: 202,"
                    + " every host is driven to not-installed first, then the record goes.")
    @APIResponse(responseCode = "200", description = "Deleted, or there was nothing to delete",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeleteResult.class)))
    @APIResponse(responseCode = "202", description = "Being uninstalled from every host (uninstall=true)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = DeleteResult.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<RestResponse<DeleteResult>> delete(@RestPath String kind, @RestPath String name,
            @Parameter(description = "Uninstall from every host before the record goes",
                    schema = @Schema(type = SchemaType.BOOLEAN, defaultValue = "false")) @RestQuery String uninstall, UriInfo uri) {
        ResourceKind resourceKind = kind(kind);
        List<Problem.FieldError> errors = new ArrayList<>();
        QueryParameters.check(uri.getQueryParameters(), Set.of("uninstall"), errors);
        if (uninstall != null && !uninstall.equals("false") && !uninstall.equals("true")) {
            errors.add(new Problem.FieldError("uninstall", "must be true or false"));
        }
        QueryParameters.refuseIfAny(errors);
        String missing = resourceKind.wire() + " '" + name + "' does not exist; nothing to delete";
        if ("true".equals(uninstall)) {
            return store.startDeleting(resourceKind, name, caller.name()).invoke(this::wake)
                    .map(record -> RestResponse.accepted(new DeleteResult(name, "uninstalling " + resourceKind.wire() + " '" + name
                            + "' from every host; the record goes once that is done")))
                    .onFailure(ResourceApi::isNotFound).recoverWithItem(() -> RestResponse.ok(new DeleteResult(name, missing)));
        }
        return store.delete(resourceKind, name, caller.name()).invoke(reconciler::forget).map(deleted -> RestResponse.ok(deleted == null
                ? new DeleteResult(name, missing) : new DeleteResult(name, "deleted " + resourceKind.wire() + " '" + name + "'")));
    }

    @GET
    @Path("status/changed/{id}")
    @Operation(operationId = "list{Kind}Changes", summary = "Names of the resources whose state changed on a day")
    @APIResponse(responseCode = "200", description = "The names, each once", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = String.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    public Uni<List<String>> changed(@RestPath String kind,
            @Parameter(description = "The day: MMDD of this year (the seed's form), YYYYMMDD or YYYY-MM-DD",
                    schema = @Schema(type = SchemaType.STRING, pattern = "^(\\d{4}|\\d{8}|\\d{4}-\\d{2}-\\d{2})$"))
            @RestPath String id) {
        ResourceKind resourceKind = kind(kind);
        LocalDate today = LocalDate.now(store.clock());
        LocalDate day;
        try {
            day = ChangeDay.parse(id, today);
        } catch (IllegalArgumentException e) {
            throw ProblemException.invalidField("id", e.getMessage());
        }
        return history.changedOn(resourceKind, day, store.clock().getZone());
    }

    @GET
    @Path("{name}/events")
    @Operation(operationId = "list{Kind}Events", summary = "A resource's history, newest first",
            description = "Kept after the resource is deleted.")
    @APIResponse(responseCode = "200", description = "The events", content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = SchemaType.ARRAY, implementation = EventView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound", description = "No history under this name")
    public Uni<List<EventView>> events(@RestPath String kind, @RestPath String name,
            @Parameter(description = "How many", schema = @Schema(type = SchemaType.INTEGER, minimum = "1", maximum = "1000",
                    defaultValue = "100")) @RestQuery String limit, UriInfo uri) {
        ResourceKind resourceKind = kind(kind);
        List<Problem.FieldError> errors = new ArrayList<>();
        QueryParameters.check(uri.getQueryParameters(), Set.of("limit"), errors);
        int pageSize = pageSize(limit, errors);
        QueryParameters.refuseIfAny(errors);
        return history.events(resourceKind, name, pageSize).map(events -> {
            if (events.isEmpty()) {
                throw ProblemException.notFound(resourceKind.wire() + " '" + name + "' has no history");
            }
            return events.stream().map(EventView::of).toList();
        });
    }

    /** A pass for a resource the write made due (a create that needs nothing, e.g. not installed and to stay so, is not). */
    private void wake(ResourceRecord record) {
        if (record.dueAt != null) {
            reconciler.wake(record.kind, record.name);
        }
    }

    private RestResponse<ResourceView> withEtag(ResourceRecord record) {
        return RestResponse.ResponseBuilder.ok(documents.view(record)).header(HttpHeaders.ETAG, ResourceDocuments.etag(record)).build();
    }

    private static boolean isNotFound(Throwable failure) {
        return failure instanceof ProblemException problem && problem.status() == 404;
    }

    private static RestResponse<StatusView> accepted(ResourceRecord record) {
        return RestResponse.accepted(StatusView.of(record));
    }

    private static ResourceKind kind(String path) {
        return AgentCallbacks.kind(path);
    }

    /** A list's filter on a state: null when not given, or when bad, and then named in {@code errors}. */
    static <E extends Enum<E> & WireValue> E filter(Class<E> type, String text, String field, List<Problem.FieldError> errors) {
        if (text == null) {
            return null;
        }
        return WireValue.parse(type, text).orElseGet(() -> {
            errors.add(new Problem.FieldError(field, "must be one of " + AppSpecRules.wireWords(type)));
            return null;
        });
    }

    private static int pageSize(String limit, List<Problem.FieldError> errors) {
        if (limit == null) {
            return DEFAULT_PAGE;
        }
        try {
            int size = Integer.parseInt(limit);
            if (size >= 1 && size <= MAX_PAGE) {
                return size;
            }
        } catch (NumberFormatException e) {
            // named below
        }
        errors.add(new Problem.FieldError("limit", "must be a whole number from 1 to " + MAX_PAGE));
        return DEFAULT_PAGE;
    }
}
