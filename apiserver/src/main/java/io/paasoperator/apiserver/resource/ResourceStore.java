package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.apiserver.reconcile.StateMachine;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.smallrye.mutiny.Uni;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.hibernate.StaleStateException;

/**
 * Stores resources. Every write is one transaction holding the change and its history, and a compare-and-set on the
 * row's version: a write based on a stale read is retried on fresh data, so concurrent writers never lose an update.
 */
@ApplicationScoped
public class ResourceStore {

    /** The seed's format for {@code metadata.CreateAt}, in the server's time zone. */
    static final DateTimeFormatter CREATE_AT_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Conflicting writers each retry at once on fresh data; this bounds a pathological storm, not normal contention. */
    static final int MAX_WRITE_ATTEMPTS = 50;
    private static final String UNIQUE_VIOLATION = "23505";

    private final ResourceDocuments documents;
    private final Clock clock = Clock.systemDefaultZone();

    public ResourceStore(ResourceDocuments documents) {
        this.documents = documents;
    }

    public Clock clock() {
        return clock;
    }

    /** The current time at the precision PostgreSQL keeps, so that what a write answers equals what a read returns. */
    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    public Uni<ResourceRecord> create(ResourceKind kind, CreateRequest request) {
        Instant now = now();
        Map<String, String> metadata = new LinkedHashMap<>(request.app().metadata() == null ? Map.of() : request.app().metadata());
        metadata.put(SpecValidator.CREATE_AT, CREATE_AT_FORMAT.format(ZonedDateTime.ofInstant(now, clock.getZone())));
        ResourceRecord record = ResourceRecord.create(kind, request.name(),
                documents.storeApp(request.app().withMetadata(metadata)), documents.storeHosts(request.hosts()),
                request.expect(), request.realtime(), now);
        return Panache.withTransaction(() -> record.<ResourceRecord>persist()
                        .call(saved -> ResourceEvent.persistAll(saved.drainEvents())))
                .onFailure(ResourceStore::isUniqueViolation)
                .transform(e -> ProblemException.conflict(kind.wire() + " '" + request.name() + "' already exists"));
    }

    public Uni<ResourceRecord> get(ResourceKind kind, String name) {
        return Panache.withSession(() -> find(kind, name));
    }

    /** One page ordered by name, after {@code after} when given, filtered by state when given. */
    public Uni<List<ResourceRecord>> list(ResourceKind kind, ExpectedState expect, RealtimeState realtime, String after, int limit) {
        StringBuilder query = new StringBuilder("kind = :kind");
        Parameters params = Parameters.with("kind", kind);
        if (expect != null) {
            query.append(" and expect = :expect");
            params.and("expect", expect);
        }
        if (realtime != null) {
            query.append(" and realtime = :realtime");
            params.and("realtime", realtime);
        }
        if (after != null) {
            query.append(" and name > :after");
            params.and("after", after);
        }
        query.append(" order by name");
        return Panache.withSession(() -> ResourceRecord.<ResourceRecord>find(query.toString(), params)
                .range(0, limit - 1).list());
    }

    public Uni<ResourceRecord> setExpect(ResourceKind kind, String name, ExpectedState expect) {
        return update(kind, name, record -> record.changeExpect(expect, ResourceEvent.BY_API, now()));
    }

    public Uni<ResourceRecord> requestRestart(ResourceKind kind, String name) {
        return update(kind, name, record -> {
            if (record.expect != ExpectedState.RUNNING) {
                throw ProblemException.conflict("restart needs expect 'running', and '" + name + "' expects '"
                        + record.expect.wire() + "': PUT running first");
            }
            record.requestRestart(now());
        });
    }

    /** Applies an agent's health report by the rules of SPEC.md §4. */
    public Uni<ResourceRecord> report(ResourceKind kind, String name, CheckReport report) {
        return update(kind, name, record -> {
            Instant now = now();
            record.recordCheck(report.code(), report.msg(), now);
            RealtimeState next = StateMachine.onHealthReport(record.expect, record.realtime, report.healthy());
            record.changeRealtime(next, ResourceEvent.BY_HEALTH_REPORT, report.msg(), now);
        });
    }

    /** Deletes the record (never the application on its hosts). Emits the deleted record, or null when there was none. */
    public Uni<ResourceRecord> delete(ResourceKind kind, String name) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().nullItem();
        }
        return Panache.withTransaction(() -> ResourceRecord.<ResourceRecord>find("kind = ?1 and name = ?2", kind, name)
                        .firstResult()
                        .chain(record -> record == null ? Uni.createFrom().<ResourceRecord>nullItem()
                                : record.delete().chain(() -> record.deletedEvent(now()).persist()).replaceWith(record)))
                .onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
    }

    /**
     * Changes the resource only if it is still at {@code expectedVersion}, the version a decision was based on;
     * otherwise fails with {@link StaleDecision}, and the caller decides afresh.
     */
    public Uni<ResourceRecord> updateIf(ResourceKind kind, String name, long expectedVersion, Consumer<ResourceRecord> change) {
        return update(kind, name, ifAt(expectedVersion, change));
    }

    /** {@code change}, applied only to the version a decision was based on. */
    private static Consumer<ResourceRecord> ifAt(long expectedVersion, Consumer<ResourceRecord> change) {
        return record -> {
            if (record.version != expectedVersion) {
                throw new StaleDecision();
            }
            change.accept(record);
        };
    }

    /** Every resource's kind and name, for a resync. */
    public Uni<List<Object[]>> keys() {
        return Panache.withSession(() -> Panache.getSession().chain(session -> session
                .createSelectionQuery("select r.kind, r.name from ResourceRecord r", Object[].class).getResultList()));
    }

    /**
     * {@link #updateIf}, for claiming an action on {@code host}: only while fewer than {@code maxPerHost} actions are in
     * flight there. The host's row is locked while counting, so that concurrent claims on one host, from any replica,
     * take turns. Emits null, changing nothing, when the host is busy.
     */
    public Uni<ResourceRecord> claimOnHost(ResourceKind kind, String name, long expectedVersion, String host, int maxPerHost,
            Consumer<ResourceRecord> change) {
        return Panache.withTransaction(() -> Panache.getSession()
                        .chain(session -> session.createNativeQuery("select ip from agent_host where ip = :ip for update")
                                .setParameter("ip", host).getResultList())
                        .chain(() -> ResourceRecord.count("inFlightHost = ?1", host))
                        .chain(busy -> busy >= maxPerHost ? Uni.createFrom().<ResourceRecord>nullItem()
                                : change(kind, name, ifAt(expectedVersion, change))))
                .onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
    }

    /** How many resources are in each realtime state. */
    public Uni<List<Object[]>> countByRealtime() {
        return Panache.withSession(() -> Panache.getSession().chain(session -> session
                .createSelectionQuery("select r.realtime, count(r) from ResourceRecord r group by r.realtime", Object[].class)
                .getResultList()));
    }

    /** The resource changed since the decision was made: decide again on what it is now. */
    public static final class StaleDecision extends RuntimeException {
        StaleDecision() {
            super("the resource changed since the decision", null, false, false);
        }
    }

    /**
     * Reads, changes and writes one resource in a transaction, with its history. On a version conflict the whole
     * transaction runs again on fresh data (at once, on the same event loop: a delayed retry would leave its context).
     */
    public Uni<ResourceRecord> update(ResourceKind kind, String name, Consumer<ResourceRecord> change) {
        return Panache.withTransaction(() -> change(kind, name, change))
                .onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
    }

    /** Within a transaction: reads the resource, changes it, and writes the history the change produced. */
    private static Uni<ResourceRecord> change(ResourceKind kind, String name, Consumer<ResourceRecord> change) {
        return find(kind, name).invoke(change).call(record -> ResourceEvent.persistAll(record.drainEvents()));
    }

    /** Names that could never have been created are not looked up: some (a NUL) are not even text to PostgreSQL. */
    private static Uni<ResourceRecord> find(ResourceKind kind, String name) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().failure(ProblemException.notFound(kind.wire() + " '" + name + "' does not exist"));
        }
        return ResourceRecord.<ResourceRecord>find("kind = ?1 and name = ?2", kind, name).firstResult()
                .onItem().ifNull().failWith(() -> ProblemException.notFound(kind.wire() + " '" + name + "' does not exist"));
    }

    static boolean isWriteConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StaleStateException || t instanceof OptimisticLockException) {
                return true;
            }
        }
        return false;
    }

    static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
                return true;
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException cve && UNIQUE_VIOLATION.equals(cve.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
