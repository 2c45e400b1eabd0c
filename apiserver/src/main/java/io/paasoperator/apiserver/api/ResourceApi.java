package io.paasoperator.apiserver.api;

import io.paasoperator.apiserver.history.ChangeDay;
import io.paasoperator.apiserver.history.History;
import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.apiserver.resource.CreateRequest;
import io.paasoperator.apiserver.resource.RequestReader;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceRecord;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.resource.SpecValidator;
import io.paasoperator.apiserver.resource.ResourceViews.DeleteResult;
import io.paasoperator.apiserver.resource.ResourceViews.EventView;
import io.paasoperator.apiserver.resource.ResourceViews.ResourcePage;
import io.paasoperator.apiserver.resource.ResourceViews.ResourceView;
import io.paasoperator.apiserver.resource.ResourceViews.StatusView;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.ExpectedState;
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
import java.net.URI;
import java.time.LocalDate;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
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

    private final ResourceStore store;
    private final History history;
    private final RequestReader reader;
    private final SpecValidator validator;
    private final ResourceDocuments documents;
    private final BodyLimit bodyLimit;
    private final Reconciler reconciler;

    public ResourceApi(ResourceStore store, History history, RequestReader reader, SpecValidator validator,
            ResourceDocuments documents, BodyLimit bodyLimit, Reconciler reconciler) {
        this.store = store;
        this.history = history;
        this.reader = reader;
        this.validator = validator;
        this.documents = documents;
        this.bodyLimit = bodyLimit;
        this.reconciler = reconciler;
    }

    @POST
    @Path("create")
    @Operation(summary = "Create a resource (seed body; trailing commas and \"// …\" comment keys accepted)")
    public Uni<RestResponse<ResourceView>> create(@RestPath String kind, String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        CreateRequest request = validator.validate(reader.readCreate(body, resourceKind));
        return store.refuseConflictingAgents(resourceKind, request.name(), request.hosts())
                .chain(() -> store.create(resourceKind, request)).invoke(this::wake).map(record -> RestResponse.ResponseBuilder.<ResourceView>
                created(URI.create("/apis/v1alpha1/" + resourceKind.wire() + "/" + record.name))
                .entity(documents.view(record)).build());
    }

    @GET
    @Operation(summary = "List resources, by name, optionally filtered by expect and realtime; page with limit and continue")
    public Uni<ResourcePage> list(@RestPath String kind, @RestQuery String expect, @RestQuery String realtime,
            @RestQuery String limit, @RestQuery("continue") String after) {
        ResourceKind resourceKind = kind(kind);
        ExpectedState expectFilter = expect == null ? null : state(ExpectedState.class, expect, "expect");
        RealtimeState realtimeFilter = realtime == null ? null : state(RealtimeState.class, realtime, "realtime");
        int pageSize = pageSize(limit);
        // One more than asked tells whether another page follows.
        return store.list(resourceKind, expectFilter, realtimeFilter, after, pageSize + 1).map(records -> {
            List<ResourceRecord> page = records.size() > pageSize ? records.subList(0, pageSize) : records;
            String next = records.size() > pageSize ? page.get(page.size() - 1).name : null;
            return new ResourcePage(page.stream().map(documents::view).toList(), next);
        });
    }

    @GET
    @Path("{name}")
    @Operation(summary = "The full resource, with each host's state; passwords read ******. The ETag names the spec's version")
    public Uni<RestResponse<ResourceView>> get(@RestPath String kind, @RestPath String name) {
        return store.get(kind(kind), name).map(this::withEtag);
    }

    @PUT
    @Path("{name}")
    @Operation(summary = "Replace host and app (a create-shaped body, no app.status); a change of what hosts run is rolled out"
            + " host by host. If-Match with the ETag of GET refuses a stale update (412)")
    public Uni<RestResponse<ResourceView>> update(@RestPath String kind, @RestPath String name,
            @HeaderParam(HttpHeaders.IF_MATCH) String ifMatch, String body) {
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
        return store.refuseConflictingAgents(resourceKind, name, request.hosts())
                .chain(() -> store.replaceSpec(resourceKind, request, ifMatch)).invoke(this::wake).map(this::withEtag);
    }

    @GET
    @Path("{name}/status")
    @Operation(summary = "Expected and realtime state (seed)")
    public Uni<StatusView> status(@RestPath String kind, @RestPath String name) {
        return store.get(kind(kind), name).map(StatusView::of);
    }

    @PUT
    @Path("{name}/{target: running|stopped|not-installed}")
    @Operation(summary = "Set the expected state; answered once it is stored")
    public Uni<RestResponse<StatusView>> expect(@RestPath String kind, @RestPath String name, @RestPath String target) {
        return store.setExpect(kind(kind), name, ExpectedState.fromWire(target)).invoke(this::wake).map(ResourceApi::accepted);
    }

    @PUT
    @Path("{name}/restart")
    @Operation(summary = "Restart a resource whose expect is running; expect stays unchanged")
    public Uni<RestResponse<StatusView>> restart(@RestPath String kind, @RestPath String name) {
        return store.requestRestart(kind(kind), name).invoke(this::wake).map(ResourceApi::accepted);
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Stop managing a resource (its application stays on the hosts); 200 whether or not it existed."
            + " With uninstall=true: 202, every host is driven to not-installed, then the record goes")
    public Uni<RestResponse<DeleteResult>> delete(@RestPath String kind, @RestPath String name, @RestQuery String uninstall) {
        ResourceKind resourceKind = kind(kind);
        String missing = resourceKind.wire() + " '" + name + "' does not exist; nothing to delete";
        if (uninstall != null && !uninstall.equals("false")) {
            if (!uninstall.equals("true")) {
                throw ProblemException.invalidField("uninstall", "must be true or false");
            }
            return store.startDeleting(resourceKind, name).invoke(this::wake)
                    .map(record -> RestResponse.accepted(new DeleteResult(name, "uninstalling " + resourceKind.wire() + " '" + name
                            + "' from every host; the record goes once that is done")))
                    .onFailure(ResourceApi::isNotFound).recoverWithItem(() -> RestResponse.ok(new DeleteResult(name, missing)));
        }
        return store.delete(resourceKind, name).invoke(reconciler::forget).map(deleted -> RestResponse.ok(deleted == null
                ? new DeleteResult(name, missing) : new DeleteResult(name, "deleted " + resourceKind.wire() + " '" + name + "'")));
    }

    @GET
    @Path("status/changed/{id}")
    @Operation(summary = "Names whose state changed on a day: MMDD of this year (seed), YYYYMMDD or YYYY-MM-DD")
    public Uni<List<String>> changed(@RestPath String kind, @RestPath String id) {
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
    @Operation(summary = "A resource's history, newest first; kept after it is deleted")
    public Uni<List<EventView>> events(@RestPath String kind, @RestPath String name, @RestQuery String limit) {
        ResourceKind resourceKind = kind(kind);
        return history.events(resourceKind, name, pageSize(limit)).map(events -> {
            if (events.isEmpty()) {
                throw ProblemException.notFound(resourceKind.wire() + " '" + name + "' has no history");
            }
            return events.stream().map(EventView::of).toList();
        });
    }

    private void wake(ResourceRecord record) {
        reconciler.wake(record.kind, record.name);
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

    private static <E extends Enum<E> & WireValue> E state(Class<E> type, String text, String field) {
        return WireValue.parse(type, text).orElseThrow(() -> ProblemException.invalidField(field,
                "must be one of " + AppSpecRules.wireWords(type)));
    }

    private static int pageSize(String limit) {
        if (limit == null) {
            return DEFAULT_PAGE;
        }
        try {
            int size = Integer.parseInt(limit);
            if (size >= 1 && size <= MAX_PAGE) {
                return size;
            }
        } catch (NumberFormatException e) {
            // answered below
        }
        throw ProblemException.invalidField("limit", "must be a whole number from 1 to " + MAX_PAGE);
    }
}
