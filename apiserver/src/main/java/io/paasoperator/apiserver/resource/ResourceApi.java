package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.host.AgentReports;
import io.paasoperator.apiserver.history.ChangeDay;
import io.paasoperator.apiserver.history.History;
import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.contract.ProblemException;
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
import io.smallrye.mutiny.Multi;
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
import java.util.Objects;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.jboss.logging.Logger;
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

    private static final Logger LOG = Logger.getLogger(ResourceApi.class);

    static final int DEFAULT_PAGE = 100;
    static final int MAX_PAGE = 1000;

    private final ResourceStore store;
    private final History history;
    private final RequestReader reader;
    private final SpecValidator validator;
    private final ResourceDocuments documents;
    private final BodyLimit bodyLimit;
    private final Reconciler reconciler;
    private final AgentClient agents;
    private final HostAgents hostAgents;
    private final AgentReports reports;

    public ResourceApi(ResourceStore store, History history, RequestReader reader, SpecValidator validator,
            ResourceDocuments documents, BodyLimit bodyLimit, Reconciler reconciler, AgentClient agents,
            HostAgents hostAgents, AgentReports reports) {
        this.store = store;
        this.history = history;
        this.reader = reader;
        this.validator = validator;
        this.documents = documents;
        this.bodyLimit = bodyLimit;
        this.reconciler = reconciler;
        this.agents = agents;
        this.hostAgents = hostAgents;
        this.reports = reports;
    }

    @POST
    @Path("create")
    @Operation(summary = "Create a resource (seed body; trailing commas and \"// …\" comment keys accepted)")
    public Uni<RestResponse<ResourceView>> create(@RestPath String kind, String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        CreateRequest request = validator.validate(reader.readCreate(body, resourceKind));
        return store.create(resourceKind, request).invoke(this::wake).map(record -> RestResponse.ResponseBuilder.<ResourceView>
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
    @Operation(summary = "The full resource; passwords read ******")
    public Uni<ResourceView> get(@RestPath String kind, @RestPath String name) {
        return store.get(kind(kind), name).map(documents::view);
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

    @PUT
    @Path("{name}/check")
    @Operation(summary = "Health report from an agent of one of the resource's hosts, with its secret:"
            + " {\"code\":\"0\",\"msg\":\"…\"}; \"0\" is healthy")
    public Uni<RestResponse<StatusView>> check(@RestPath String kind, @RestPath String name,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        return reports.authorize(resourceKind, name, authorization)
                .chain(() -> store.report(resourceKind, name, reader.readCheckReport(body))).invoke(this::wake)
                .map(ResourceApi::accepted);
    }

    @DELETE
    @Path("{name}")
    @Operation(summary = "Stop managing a resource (its application stays on the hosts); 200 whether or not it existed")
    public Uni<DeleteResult> delete(@RestPath String kind, @RestPath String name) {
        ResourceKind resourceKind = kind(kind);
        return store.delete(resourceKind, name).call(this::forgetOnHosts).map(deleted -> deleted == null
                ? new DeleteResult(name, resourceKind.wire() + " '" + name + "' does not exist; nothing to delete")
                : new DeleteResult(name, "deleted " + resourceKind.wire() + " '" + name + "'"));
    }

    @PUT
    @Path("{name}/operations/{id}")
    @Operation(summary = "An action's result, pushed by the agent that ran it, with its secret")
    public Uni<RestResponse<Void>> result(@RestPath String kind, @RestPath String name, @RestPath String id,
            @HeaderParam(HttpHeaders.AUTHORIZATION) String authorization, String body) {
        ResourceKind resourceKind = kind(kind);
        bodyLimit.checkReadLength(body);
        return reports.authorize(resourceKind, name, authorization).chain(() -> {
            // Fully qualified: OpenAPI's @Operation annotation holds the short name in this class.
            io.paasoperator.contract.Operation operation = reader.readOperation(body);
            if (!id.equals(operation.id())) {
                throw ProblemException.invalidField("id", "the body is operation " + operation.id() + ", the URL names " + id);
            }
            return reconciler.applyResult(resourceKind, name, operation);
        }).replaceWith(RestResponse.accepted());
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

    /**
     * Tells each host's agent to stop managing the application, without waiting for the answers: a host that does not
     * answer is only logged.
     */
    private Uni<Void> forgetOnHosts(ResourceRecord deleted) {
        if (deleted == null) {
            return Uni.createFrom().voidItem();
        }
        return Multi.createFrom().iterable(documents.hosts(deleted)).onItem()
                .transformToUniAndConcatenate(host -> hostAgents.lastKnown(host.withDefaults()))
                .filter(Objects::nonNull).collect().asList()
                .invoke(agentsOfHosts -> agentsOfHosts.forEach(agent -> agents.forget(agent, deleted.kind.wire(), deleted.name)
                        .subscribe().with(ok -> { }, e -> LOG.infof("agent at %s not told to forget %s/%s: %s", agent,
                                deleted.kind.wire(), deleted.name, e.getMessage()))))
                .replaceWithVoid();
    }

    private static RestResponse<StatusView> accepted(ResourceRecord record) {
        return RestResponse.accepted(StatusView.of(record));
    }

    private static ResourceKind kind(String path) {
        return WireValue.parse(ResourceKind.class, path).orElseThrow(() -> ProblemException.notFound(
                "no such kind '" + path + "': the kinds are " + AppSpecRules.wireWords(ResourceKind.class)));
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
