package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.rules.Desired;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.StateMachine;
import io.paasoperator.apiserver.rules.Summary;
import io.paasoperator.apiserver.rules.Transition;
import io.paasoperator.apiserver.rules.Transitions;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Transient;
import jakarta.persistence.Version;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * A stored resource: its spec, what its hosts should be, and each host's {@link HostState}. States change only through
 * the methods here, which apply the rules' {@link Transition}s in one place and produce the history that must be
 * written with the change.
 */
@Entity
@Table(name = "resource")
public class ResourceRecord extends PanacheEntityBase {

    private static final ObjectMapper STATES_JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private static final TypeReference<List<HostState>> HOST_STATES = new TypeReference<>() {
    };

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Convert(converter = StateColumns.Kind.class)
    @Column(nullable = false)
    public ResourceKind kind;

    @Column(nullable = false)
    public String name;

    /** {@link io.paasoperator.contract.AppSpec} as JSON (metadata included). */
    @Column(name = "app_spec", nullable = false)
    public String appSpec;

    /** {@link io.paasoperator.apiserver.host.HostSpec} list as JSON, passwords sealed. */
    @Column(nullable = false)
    public String hosts;

    /** Hosts dropped from {@link #hosts} and not yet uninstalled: how to reach them meanwhile (passwords sealed). */
    @Column(name = "retired_hosts", nullable = false)
    public String retiredHosts = "[]";

    /** Each host's {@link HostState}, as JSON; read and written only through {@link #hostStates()} and the transitions. */
    @Column(name = "host_states", nullable = false)
    String hostStatesJson;

    @Convert(converter = StateColumns.Expected.class)
    @Column(nullable = false)
    public ExpectedState expect;

    /** The hosts' summary ({@link Summary#realtime}); a column of its own so that lists can filter on it. */
    @Convert(converter = StateColumns.Realtime.class)
    @Column(nullable = false)
    public RealtimeState realtime;

    @Column(name = "realtime_since", nullable = false)
    public Instant realtimeSince;

    /** Goes up by one when anything the hosts run changes: a roll-out brings every host to it. */
    @Column(nullable = false)
    public long generation = 1;

    /** Goes up by one whenever the spec is written (the ETag); never with states or reports. */
    @Column(name = "spec_version", nullable = false)
    public long specVersion = 1;

    @Column(name = "max_in_flight", nullable = false)
    public int maxInFlight = 1;

    /** {@code DELETE …?uninstall=true}: every host goes to not-installed, then the record is removed. */
    @Column(nullable = false)
    public boolean deleting;

    /** When the reconciler should look at this resource next, found by an indexed query; null: not before a change. */
    @Column(name = "due_at")
    public Instant dueAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Optimistic lock: a write based on a stale read fails and is retried on fresh data. */
    @Version
    public long version;

    @Transient
    private List<HostState> hostStates;

    /** {@link #appSpec}, {@link #hosts} and {@link #retiredHosts} as {@link ResourceDocuments} read them. */
    @Transient
    final ParsedDocument<AppSpec> parsedApp = new ParsedDocument<>();
    @Transient
    final ParsedDocument<List<HostSpec>> parsedHosts = new ParsedDocument<>();
    @Transient
    final ParsedDocument<List<HostSpec>> parsedRetiredHosts = new ParsedDocument<>();

    /** Pending history for this unit of work; persisted by the store with the change. */
    @Transient
    private List<ResourceEvent> events = new ArrayList<>();

    public static ResourceRecord create(ResourceKind kind, String name, String appSpec, String hosts, List<String> ips,
            int maxInFlight, ExpectedState expect, RealtimeState realtime, Instant now) {
        ResourceRecord record = new ResourceRecord();
        record.kind = kind;
        record.name = name;
        record.appSpec = appSpec;
        record.hosts = hosts;
        record.maxInFlight = maxInFlight;
        record.expect = expect;
        record.realtime = realtime;
        record.realtimeSince = now;
        record.createdAt = now;
        record.updatedAt = now;
        record.dueAt = StateMachine.restsWhenCreated(expect, realtime) ? null : now;
        // A resource created as already installed ("for ease of testing") is taken to run its first generation.
        long installed = realtime == RealtimeState.NOT_INSTALLED ? 0 : 1;
        record.setHostStates(ips.stream().map(ip -> HostState.fresh(ip, realtime, installed, now)).toList());
        record.event(ResourceEvent.CREATED, null, null, ResourceEvent.BY_API, null, null, now);
        record.event(ResourceEvent.EXPECT, null, expect.wire(), ResourceEvent.BY_API, null, null, now);
        record.event(ResourceEvent.REALTIME, null, realtime.wire(), ResourceEvent.BY_API, null, null, now);
        return record;
    }

    /**
     * A row as the change log keeps a deleted one ({@code to_jsonb} of the row, columns by name, secrets already shown as
     * ******), for rendering the object it was. Never persisted.
     */
    public static ResourceRecord fromDeletedRow(JsonNode row) {
        ResourceRecord record = new ResourceRecord();
        record.id = row.path("id").asLong();
        record.kind = WireValue.require(ResourceKind.class, row.path("kind").asText());
        record.name = row.path("name").asText();
        record.appSpec = row.path("app_spec").asText();
        record.hosts = row.path("hosts").asText();
        record.retiredHosts = row.path("retired_hosts").asText();
        record.hostStatesJson = row.path("host_states").asText();
        record.expect = WireValue.require(ExpectedState.class, row.path("expect").asText());
        record.realtime = WireValue.require(RealtimeState.class, row.path("realtime").asText());
        record.realtimeSince = instant(row, "realtime_since");
        record.generation = row.path("generation").asLong();
        record.specVersion = row.path("spec_version").asLong();
        record.maxInFlight = row.path("max_in_flight").asInt();
        record.deleting = row.path("deleting").asBoolean();
        record.createdAt = instant(row, "created_at");
        record.updatedAt = instant(row, "updated_at");
        record.version = row.path("version").asLong();
        return record;
    }

    private static Instant instant(JsonNode row, String column) {
        return OffsetDateTime.parse(row.path(column).asText()).toInstant();
    }

    public List<HostState> hostStates() {
        if (hostStates == null) {
            try {
                hostStates = List.copyOf(STATES_JSON.readValue(hostStatesJson, HOST_STATES));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("stored host states of " + kind.wire() + "/" + name + " do not read", e);
            }
        }
        return hostStates;
    }

    public Optional<HostState> host(String ip) {
        return hostStates().stream().filter(h -> h.ip().equals(ip)).findFirst();
    }

    /** The host {@code ip}, listed or being removed; else 403: the agent of a host it is not on speaks for another. */
    public HostState hostOfAgent(String ip) {
        return host(ip).orElseThrow(() -> ProblemException.forbidden("the agent of " + ip + " does not manage "
                + kind.wire() + " '" + name + "'"));
    }

    /** Every host of the resource, listed or being removed (see the store's {@code resource_host}). */
    public Set<String> hostIps() {
        return hostStates().stream().map(HostState::ip).collect(Collectors.toSet());
    }

    /** The hosts with an action in flight: each holds one of its host's action slots (see the store). */
    public Set<String> inFlightHosts() {
        return hostStates().stream().filter(h -> h.inFlight() != null).map(HostState::ip).collect(Collectors.toSet());
    }

    /** What the resource asks of its hosts. */
    public Desired desired(boolean hasRestartScript) {
        return new Desired(expect, generation, maxInFlight, hasRestartScript, deleting);
    }

    /**
     * Applies the rules' transition to host {@code ip}: the one place a host's state changes. Writes the history it
     * implies (the host's new realtime, a failed step that left the realtime as it was) and the resource's summary.
     */
    public HostState apply(Desired desired, String ip, Function<HostState, Transition> rule, Instant now) {
        HostState before = host(ip).orElseThrow(() -> new IllegalStateException(ip + " is no host of " + name));
        Transition transition = rule.apply(before);
        HostState after = transition.host();
        if (after.equals(before)) {
            return before;
        }
        String cause = transition.cause().wire();
        boolean single = hostStates().size() == 1;
        if (after.realtime() != before.realtime()) {
            event(ResourceEvent.REALTIME, before.realtime().wire(), after.realtime().wire(), cause, transition.message(), ip, now);
        } else if (after.failureCount() > before.failureCount()) {
            event(ResourceEvent.ERROR, null, null, cause, transition.message(), ip, now);
        }
        setHostStates(hostStates().stream().map(h -> h.ip().equals(ip) ? after : h).toList());
        summarize(single ? null : cause, now);
        return after;
    }

    /** Sets the expected state. A user asking again deserves an attempt now: backoffs end, a paused roll-out resumes. */
    public void changeExpect(ExpectedState next, Instant now) {
        updatedAt = now;
        dueAt = now;
        if (next != expect) {
            event(ResourceEvent.EXPECT, expect.wire(), next.wire(), ResourceEvent.BY_API, null, null, now);
            expect = next;
        }
        Desired wanted = wishes();
        mapHosts(h -> Transitions.settle(wanted, Transitions.askedAnew(h).withRestartPending(false)));
        summarize(ResourceEvent.BY_API, now);
    }

    /**
     * Host {@code ip}'s agent was registered (again): a step that failed there is tried at once rather than after its
     * backoff, as when a user asks anew. What the resource asks is unchanged.
     */
    public void askAnewOn(String ip, Instant now) {
        mapHosts(h -> h.ip().equals(ip) ? Transitions.askedAnew(h) : h);
        dueAt = now;
    }

    public void requestRestart(Instant now) {
        updatedAt = now;
        dueAt = now;
        mapHosts(h -> h.removing() ? h : h.withRestartPending(true));
        event(ResourceEvent.RESTART, null, null, ResourceEvent.BY_API, null, null, now);
    }

    /**
     * A new spec. Hosts that stay keep their states; new ones start not installed; dropped ones are uninstalled, then
     * forgotten ({@code retired} says how to reach them meanwhile). A new generation starts a roll-out.
     */
    public void replaceSpec(String newAppSpec, String newHosts, List<String> ips, String retired, int newMaxInFlight,
            boolean newGeneration, String oldSpec, Instant now) {
        appSpec = newAppSpec;
        hosts = newHosts;
        retiredHosts = retired;
        maxInFlight = newMaxInFlight;
        specVersion++;
        updatedAt = now;
        dueAt = now;
        if (newGeneration) {
            generation++;
            event(ResourceEvent.SPEC, String.valueOf(generation - 1), String.valueOf(generation), ResourceEvent.BY_API,
                    "was: " + oldSpec, null, now);
        }
        List<HostState> next = new ArrayList<>();
        for (String ip : ips) {
            // A host listed again while it was being removed keeps its state (an action may be in flight there).
            next.add(host(ip).map(h -> Transitions.askedAnew(h.removing() ? h.relisted() : h))
                    .orElseGet(() -> HostState.fresh(ip, RealtimeState.NOT_INSTALLED, 0, now)));
        }
        hostStates().stream().filter(h -> !ips.contains(h.ip())).map(HostState::asRemoving).forEach(next::add);
        Desired wanted = wishes();
        setHostStates(next.stream().map(h -> Transitions.settle(wanted, h)).toList());
        summarize(ResourceEvent.BY_API, now);
    }

    /** {@code DELETE …?uninstall=true}: drive every host to not-installed, then go. */
    public void startDeleting(Instant now) {
        deleting = true;
        event(ResourceEvent.UNINSTALL_REQUESTED, null, null, ResourceEvent.BY_API, null, null, now);
        changeExpect(ExpectedState.NOT_INSTALLED, now);
    }

    /** A removed host is uninstalled, or forgotten by hand: it leaves the resource. */
    public void dropHost(String ip, String retired, Instant now) {
        boolean uninstalled = host(ip).map(h -> h.realtime() == RealtimeState.NOT_INSTALLED).orElse(true);
        setHostStates(hostStates().stream().filter(h -> !h.ip().equals(ip)).toList());
        retiredHosts = retired;
        updatedAt = now;
        event(ResourceEvent.HOST_REMOVED, null, null, uninstalled ? ResourceEvent.BY_RECONCILER : ResourceEvent.BY_API,
                ip + (uninstalled ? " is uninstalled and no longer managed" : " was forgotten before it could be uninstalled"), ip, now);
    }

    /** An action's result, kept in the history whatever it decides. */
    public void recordResult(io.paasoperator.contract.Operation operation, String ip, Instant now) {
        ResourceEvent event = ResourceEvent.action(kind.wire(), name, now, operation);
        event.host = ip;
        events.add(event);
    }

    public ResourceEvent deletedEvent(Instant now) {
        return ResourceEvent.of(kind.wire(), name, now, ResourceEvent.DELETED, null, null, ResourceEvent.BY_API, null);
    }

    /** The history this unit of work produced, handed over once to be persisted. */
    public List<ResourceEvent> drainEvents() {
        List<ResourceEvent> drained = List.copyOf(events);
        events.clear();
        return drained;
    }

    /**
     * Shows each host as last heard of, for an answer (never stored): a report that changed nothing was not written, and
     * the host's heartbeat (its agent's last report, for the applications it covered) stands for it.
     */
    public void showHeard(Map<String, Heartbeat> heartbeats) {
        hostStates = hostStates().stream().map(host -> Heartbeat.heard(heartbeats, kind.wire(), name, host)).toList();
    }

    private void mapHosts(UnaryOperator<HostState> change) {
        setHostStates(hostStates().stream().map(change).toList());
    }

    private void setHostStates(List<HostState> states) {
        hostStates = List.copyOf(states);
        try {
            hostStatesJson = STATES_JSON.writeValueAsString(hostStates);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("host states do not serialize", e);
        }
    }

    /**
     * What the resource asks of its hosts, for settling a host's turn and summarising: neither looks at the restart
     * script, which only the next step does (the engine's {@code ResourceDocuments.desired}).
     */
    private Desired wishes() {
        return desired(false);
    }

    /** Recomputes the resource's realtime from its hosts; {@code cause} null writes no event (one host: its own says it). */
    private void summarize(String cause, Instant now) {
        RealtimeState next = Summary.realtime(wishes(), hostStates());
        if (next != realtime) {
            if (cause != null) {
                event(ResourceEvent.REALTIME, realtime.wire(), next.wire(), cause, summaryOf(hostStates().size()), null, now);
            }
            realtime = next;
            realtimeSince = now;
        }
        updatedAt = now;
    }

    /** The message of a realtime event summarising {@code hosts} hosts. */
    static String summaryOf(int hosts) {
        return hosts == 1 ? "summary of 1 host" : "summary of " + hosts + " hosts";
    }

    private void event(String type, String oldValue, String newValue, String cause, String message, String host, Instant now) {
        events.add(ResourceEvent.of(kind.wire(), name, now, type, oldValue, newValue, cause, message).onHost(host));
    }
}
