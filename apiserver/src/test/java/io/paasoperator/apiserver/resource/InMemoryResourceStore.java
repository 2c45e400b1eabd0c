package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.InMemoryHostStore;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.OptimisticLockException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * {@link ResourceStore} in memory, for the engine's unit tests: no Quarkus, no database. Every read and write works on a
 * copy, so a write based on a stale read is detected by {@code version} like the real optimistic lock (and retried on
 * fresh data); the version goes up on each write that changes something (Hibernate's dirty check). The per-host action
 * bound counts the hosts with an action in flight across every record, like {@code host_action}. Everything runs when
 * subscribed to, as the real store's transactions do.
 */
public class InMemoryResourceStore extends ResourceStore {

    private static final ObjectMapper STATES_JSON = JsonMapper.builder().addModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();

    private final ResourceDocuments documents;
    private final InMemoryHostStore hosts;
    private final Map<String, ResourceRecord> records = new LinkedHashMap<>();
    private final List<ResourceEvent> history = new ArrayList<>();
    private long nextId = 1;
    private Runnable beforeCommit;
    /** Writes retried because the record changed between their read and their commit. */
    public int conflicts;
    /** Calls of {@link #setDue} that found the version they expected. */
    public int dueSets;

    public InMemoryResourceStore(ResourceDocuments documents, Clock clock, InMemoryHostStore hosts) {
        super(documents, clock, null); // every method that would use a Vert.x context is overridden
        this.documents = documents;
        this.hosts = hosts;
    }

    // ---- the store's API, as StepRunner uses it ----

    @Override
    public Uni<ResourceRecord> create(ResourceKind kind, CreateRequest request, String actor) {
        return Uni.createFrom().item(() -> {
            Instant now = now();
            Map<String, String> metadata = new LinkedHashMap<>(request.app().metadata() == null ? Map.of() : request.app().metadata());
            metadata.put(SpecValidator.CREATE_AT, CREATE_AT_FORMAT.format(ZonedDateTime.ofInstant(now, clock().getZone())));
            ResourceRecord record = ResourceRecord.create(kind, request.name(),
                    documents.storeApp(request.app().withMetadata(metadata)), documents.storeHosts(request.hosts()),
                    request.ips(), request.maxInFlight(), request.expect(), request.realtime(), now);
            synchronized (this) {
                if (records.containsKey(key(kind, request.name()))) {
                    throw ProblemException.conflict(kind.wire() + " '" + request.name() + "' already exists");
                }
                return put(record);
            }
        });
    }

    @Override
    public Uni<ResourceRecord> get(ResourceKind kind, String name) {
        return Uni.createFrom().item(() -> {
            synchronized (this) {
                return copy(require(kind, name));
            }
        });
    }

    @Override
    public Uni<WithHeartbeats> getWithHeartbeats(ResourceKind kind, String name) {
        return get(kind, name).map(record -> new WithHeartbeats(record, hosts.heartbeats(record.hostIps())));
    }

    @Override
    public Uni<ResourceRecord> update(ResourceKind kind, String name, Consumer<ResourceRecord> change) {
        return Uni.createFrom().item(() -> write(kind, name, change, null, 0));
    }

    @Override
    public Uni<ResourceRecord> update(ResourceRecord read, Consumer<ResourceRecord> change) {
        return update(read.kind, read.name, change);
    }

    @Override
    public Uni<ResourceRecord> update(ResourceKind kind, String name, Consumer<ResourceRecord> change, String actor) {
        return update(kind, name, change);
    }

    @Override
    public Uni<ResourceRecord> claimOnHost(ResourceKind kind, String name, String ip, int maxPerHost,
            Consumer<ResourceRecord> change) {
        return Uni.createFrom().item(() -> write(kind, name, change, ip, maxPerHost));
    }

    @Override
    public Uni<ResourceRecord> deleteIf(ResourceKind kind, String name, Predicate<ResourceRecord> condition, String actor) {
        return Uni.createFrom().item(() -> {
            synchronized (this) {
                if (!NamingRules.isResourceName(name)) {
                    return null;
                }
                ResourceRecord stored = records.get(key(kind, name));
                if (stored == null || !condition.test(copy(stored))) {
                    return null;
                }
                records.remove(key(kind, name));
                ResourceRecord deleted = copy(stored);
                history.add(deleted.deletedEvent(now()));
                return deleted;
            }
        });
    }

    @Override
    public Uni<Void> note(ResourceKind kind, String name, String ip, String type, String message) {
        return Uni.createFrom().item(() -> {
            synchronized (this) {
                history.add(ResourceEvent.of(kind.wire(), name, now(), type, null, null, ResourceEvent.BY_RECONCILER, message).onHost(ip));
                return (Void) null;
            }
        });
    }

    @Override
    public Uni<Void> setDue(long id, long version, Instant dueAt) {
        return Uni.createFrom().item(() -> {
            synchronized (this) {
                records.values().stream().filter(r -> r.id == id && r.version == version).findFirst().ifPresent(r -> {
                    r.dueAt = dueAt;
                    dueSets++;
                });
                return (Void) null;
            }
        });
    }

    // ---- for the tests ----

    /** Stores a record built with {@link ResourceRecord#create}: it gets an id and version 0; emits a copy. */
    public synchronized ResourceRecord put(ResourceRecord record) {
        ResourceRecord stored = copy(record);
        stored.id = nextId++;
        stored.version = 0;
        history.addAll(record.drainEvents());
        records.put(key(stored.kind, stored.name), stored);
        return copy(stored);
    }

    /** The record as stored now (a copy), or null when there is none. */
    public synchronized ResourceRecord stored(ResourceKind kind, String name) {
        ResourceRecord stored = records.get(key(kind, name));
        return stored == null ? null : copy(stored);
    }

    /** Sets the stored host states as they might have been left by an earlier run (a crash, another replica): a write. */
    public synchronized void setHostStates(ResourceKind kind, String name, List<HostState> states) {
        ResourceRecord stored = require(kind, name);
        try {
            stored.hostStatesJson = STATES_JSON.writeValueAsString(states);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        stored.version++;
        records.put(key(kind, name), copy(stored)); // a fresh copy: no cached host states
    }

    /** Runs {@code task} once, inside the next write, between its change and its commit: a concurrent writer. */
    public synchronized void beforeNextCommit(Runnable task) {
        beforeCommit = task;
    }

    /** Actions in flight on host {@code ip}, across every resource: what the per-host bound counts. */
    public synchronized long inFlightOn(String ip) {
        return records.values().stream().filter(r -> r.inFlightHosts().contains(ip)).count();
    }

    public synchronized List<ResourceEvent> history() {
        return List.copyOf(history);
    }

    // ---- the read-change-write ----

    private synchronized ResourceRecord write(ResourceKind kind, String name, Consumer<ResourceRecord> change, String ip,
            int maxPerHost) {
        for (int attempt = 1; ; attempt++) {
            ResourceRecord read = require(kind, name);
            if (ip != null && inFlightOn(ip) >= maxPerHost) {
                return null;
            }
            ResourceRecord working = copy(read);
            List<Object> before = persistent(working);
            change.accept(working);
            Runnable concurrent = beforeCommit;
            beforeCommit = null;
            if (concurrent != null) {
                concurrent.run();
            }
            ResourceRecord current = require(kind, name);
            if (current.version != working.version) {
                conflicts++;
                if (attempt >= MAX_WRITE_ATTEMPTS) {
                    throw new OptimisticLockException("version " + working.version + " of " + key(kind, name) + " is stale");
                }
                continue; // retried on fresh data, as ResourceStore.update does
            }
            if (!persistent(working).equals(before)) {
                working.version++;
            }
            history.addAll(working.drainEvents());
            records.put(key(kind, name), copy(working));
            return copy(working);
        }
    }

    private ResourceRecord require(ResourceKind kind, String name) {
        ResourceRecord stored = records.get(key(kind, name));
        if (stored == null) {
            throw ProblemException.notFound(kind.wire() + " '" + name + "' does not exist");
        }
        return stored;
    }

    private static String key(ResourceKind kind, String name) {
        return kind.wire() + "/" + name;
    }

    /** Every persistent field but the version: what a dirty check compares. */
    private static List<Object> persistent(ResourceRecord r) {
        return Arrays.asList(r.id, r.kind, r.name, r.appSpec, r.hosts, r.retiredHosts, r.hostStatesJson, r.expect,
                r.realtime, r.realtimeSince, r.generation, r.specVersion, r.maxInFlight, r.deleting, r.dueAt,
                r.createdAt, r.updatedAt);
    }

    /** A copy as a fresh read gives it: persistent fields only (host states re-read from their JSON, no pending history). */
    static ResourceRecord copy(ResourceRecord r) {
        ResourceRecord c = new ResourceRecord();
        c.id = r.id;
        c.kind = r.kind;
        c.name = r.name;
        c.appSpec = r.appSpec;
        c.hosts = r.hosts;
        c.retiredHosts = r.retiredHosts;
        c.hostStatesJson = r.hostStatesJson;
        c.expect = r.expect;
        c.realtime = r.realtime;
        c.realtimeSince = r.realtimeSince;
        c.generation = r.generation;
        c.specVersion = r.specVersion;
        c.maxInFlight = r.maxInFlight;
        c.deleting = r.deleting;
        c.dueAt = r.dueAt;
        c.createdAt = r.createdAt;
        c.updatedAt = r.updatedAt;
        c.version = r.version;
        return c;
    }
}
