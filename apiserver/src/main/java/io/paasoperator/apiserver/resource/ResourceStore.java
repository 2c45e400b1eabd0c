package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.AgentAccounts;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.resource.ResourceRows.HostRow;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.RowSet;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.mutiny.sqlclient.Tuple;
import io.vertx.pgclient.PgException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.OptimisticLockException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.hibernate.JDBCException;
import org.hibernate.StaleStateException;

/**
 * Stores resources. Every write holds the change and its history together (one statement, or a transaction where it
 * takes several) and is a compare-and-set on the row's version: a write based on a stale read is applied anew to fresh
 * data, so concurrent writers never lose an update.
 * <p>
 * Two tables are kept in step with each record in the same statement or transaction: {@code resource_host} (its hosts,
 * to find who else uses a host by index) and {@code host_action} (its actions in flight, counted per host across
 * resources and replicas).
 */
@ApplicationScoped
public class ResourceStore {

    /** The seed's format for {@code metadata.CreateAt}, in the server's time zone. */
    static final DateTimeFormatter CREATE_AT_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /** Conflicting writers each retry at once on fresh data; this bounds a pathological storm, not normal contention. */
    static final int MAX_WRITE_ATTEMPTS = 50;
    private static final Set<String> ABORTED_FOR_ANOTHER = Set.of("40P01", "40001");
    /** The first key of the advisory locks claims take turns on, one per host address (the second key). */
    private static final int CLAIM_LOCKS = 0x7061_6173; // "paas"
    /** PostgreSQL's error for a row an exclusion constraint refuses. */
    private static final String EXCLUSION_VIOLATION = "23P01";

    private final ResourceDocuments documents;
    private final Clock clock;
    private final DatabaseWork database;

    public ResourceStore(ResourceDocuments documents, Clock clock, DatabaseWork database) {
        this.documents = documents;
        this.clock = clock;
        this.database = database;
    }

    public Clock clock() {
        return clock;
    }

    /** The current time at the precision PostgreSQL keeps, so that what a write answers equals what a read returns. */
    public Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.MICROS);
    }

    /**
     * Stores a new resource, or fails with a 409 when its name is taken or a host's agent is set up differently by
     * another resource. One statement, without a transaction around it: tried again on a connection lost meanwhile, a
     * create that was stored before its answer was lost finds its own row (the same creation time and spec) and answers
     * it. Tried again too when PostgreSQL broke a deadlock by aborting it (waiting on another writer's host row).
     */
    public Uni<ResourceRecord> create(ResourceKind kind, CreateRequest request, String actor) {
        Instant now = now();
        Map<String, String> metadata = new LinkedHashMap<>(request.app().metadata() == null ? Map.of() : request.app().metadata());
        metadata.put(SpecValidator.CREATE_AT, CREATE_AT_FORMAT.format(ZonedDateTime.ofInstant(now, clock.getZone())));
        String app = documents.storeApp(request.app().withMetadata(metadata));
        String hosts = documents.storeHosts(request.hosts());
        List<HostRow> rows = request.hosts().stream().map(HostRow::listed).toList();
        // A new record per attempt: one that a failed attempt inserted carries that attempt's id.
        Uni<ResourceRecord> insert = database.query(sql -> ResourceRows.insert(sql, ResourceRecord.create(kind, request.name(),
                        app, hosts, request.ips(), request.maxInFlight(), request.expect(), request.realtime(), now), rows, actor))
                .onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
        return agreeingAboutAgents(kind, request.name(), rows, insert)
                .chain(created -> created != null ? Uni.createFrom().item(created) : database.query(sql -> ResourceRows.find(sql,
                        kind, request.name())).chain(existing -> {
                            if (existing != null && existing.createdAt.equals(now) && existing.appSpec.equals(app)) {
                                return Uni.createFrom().item(existing);
                            }
                            if (existing != null) {
                                throw ProblemException.conflict(kind.wire() + " '" + request.name() + "' already exists");
                            }
                            return database.query(sql -> refuseUnlikeRegistrations(sql, rows, null)).map(none -> {
                                // Neither now: the name or a registration changed since the insert; sent again, it may do.
                                throw ProblemException.conflict(kind.wire() + " '" + request.name() + "' was not stored: it"
                                        + " or a registration of one of its hosts changed meanwhile; try again");
                            });
                        }));
    }

    /**
     * Fails with a 409 naming each of {@code wanted} (the hosts of a spec, in its order; with {@code only}, those of
     * these addresses) whose agent is registered (PUT /hosts/{ip}) on another port: it answers on that one only, and
     * every step there would fail. Emits when there is none.
     */
    private static Uni<Void> refuseUnlikeRegistrations(SqlClient sql, List<HostRow> wanted, Set<String> only) {
        return sql.preparedQuery("select ip, agent_port from agent_host where ip = any($1) and registered_at is not null")
                .execute(Tuple.of(wanted.stream().map(HostRow::ip).toArray(String[]::new))).map(rows -> {
                    Map<String, Integer> registered = new HashMap<>();
                    rows.forEach(row -> registered.put(row.getString(0), row.getInteger(1)));
                    List<Problem.FieldError> errors = new ArrayList<>();
                    for (int i = 0; i < wanted.size(); i++) {
                        HostRow host = wanted.get(i);
                        Integer port = registered.get(host.ip());
                        if (port != null && !port.equals(host.agentPort()) && (only == null || only.contains(host.ip()))) {
                            errors.add(new Problem.FieldError("host[" + i + "]", host.ip() + " is registered with agent_port " + port
                                    + ", not " + host.agentPort() + " (PUT /hosts/" + host.ip() + ")"));
                        }
                    }
                    if (!errors.isEmpty()) {
                        throw new ProblemException(409, "Conflict", "a host's agent is registered on another port", errors);
                    }
                    return null;
                });
    }

    public Uni<ResourceRecord> get(ResourceKind kind, String name) {
        return database.query(sql -> find(sql, kind, name));
    }

    /** A resource with the heartbeats of those of its hosts whose agents report by host, by address. */
    public record WithHeartbeats(ResourceRecord record, Map<String, Heartbeat> heartbeats) {
    }

    /** {@link #get} and its hosts' heartbeats, in one statement: what a reconcile pass and a GET start from. */
    public Uni<WithHeartbeats> getWithHeartbeats(ResourceKind kind, String name) {
        return database.query(sql -> findNamed(kind, name, () -> ResourceRows.findWithHeartbeats(sql, kind, name)));
    }

    /** The expected and realtime state alone: the one route polled most reads two columns, not the record. */
    public Uni<ResourceViews.StatusView> status(ResourceKind kind, String name) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().failure(notFound(kind, name));
        }
        return database.query(sql -> sql.preparedQuery("select expect, realtime from resource where kind = $1 and name = $2")
                .execute(Tuple.of(kind.wire(), name))).map(rows -> {
                    if (rows.size() == 0) {
                        throw notFound(kind, name);
                    }
                    Row row = rows.iterator().next();
                    return new ResourceViews.StatusView(name, new ResourceViews.Status(
                            WireValue.require(ExpectedState.class, row.getString(0)),
                            WireValue.require(RealtimeState.class, row.getString(1))));
                });
    }

    static final String GET_MANY = "select " + ResourceRows.COLUMNS + " from resource where kind = any($1::text[])"
            + " and name = any($2::text[])";

    /**
     * The resources named in {@code names} (by kind; resource names, checked) that exist: one statement whatever the
     * kinds, which may find a name of one kind under another too (those are left out).
     */
    public Uni<List<ResourceRecord>> getMany(Map<ResourceKind, Set<String>> names) {
        String[] kinds = names.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(e -> e.getKey().wire())
                .toArray(String[]::new);
        if (kinds.length == 0) {
            return Uni.createFrom().item(List.of());
        }
        String[] named = names.values().stream().flatMap(Set::stream).distinct().toArray(String[]::new);
        return database.query(sql -> sql.preparedQuery(GET_MANY).execute(Tuple.of(kinds, named)))
                .map(rows -> records(rows).stream().filter(r -> names.getOrDefault(r.kind, Set.of()).contains(r.name)).toList());
    }

    /** Every resource of {@code kind}, by name: what a watch starts with. */
    public Uni<List<ResourceRecord>> all(ResourceKind kind) {
        return database.query(sql -> sql.preparedQuery("select " + ResourceRows.COLUMNS + " from resource where kind = $1"
                + " order by name").execute(Tuple.of(kind.wire()))).map(ResourceStore::records);
    }

    /** Those of {@code ids} that still exist as resources of {@code kind}. */
    public Uni<List<ResourceRecord>> byIds(ResourceKind kind, Collection<Long> ids) {
        if (ids.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return database.query(sql -> sql.preparedQuery("select " + ResourceRows.COLUMNS + " from resource where kind = $1"
                + " and id = any($2::bigint[])").execute(Tuple.of(kind.wire(), ids.toArray(Long[]::new)))).map(ResourceStore::records);
    }

    /** One page ordered by name, after {@code after} when given, filtered by state when given. */
    public Uni<List<ResourceRecord>> list(ResourceKind kind, ExpectedState expect, RealtimeState realtime, String after, int limit) {
        List<Object> params = new ArrayList<>(List.of(kind.wire()));
        if (expect != null) {
            params.add(expect.wire());
        }
        if (realtime != null) {
            params.add(realtime.wire());
        }
        if (after != null) {
            params.add(after);
        }
        params.add(limit);
        String query = listStatement(expect != null, realtime != null, after != null);
        return database.query(sql -> sql.preparedQuery(query).execute(Tuple.from(params))).map(ResourceStore::records);
    }

    /** {@link #list}'s statement: kind, then the filters given in this order, then the page's size. */
    static String listStatement(boolean byExpect, boolean byRealtime, boolean after) {
        StringBuilder query = new StringBuilder("select " + ResourceRows.COLUMNS + " from resource where kind = $1");
        int param = 1;
        if (byExpect) {
            query.append(" and expect = $").append(++param);
        }
        if (byRealtime) {
            query.append(" and realtime = $").append(++param);
        }
        if (after) {
            query.append(" and name > $").append(++param);
        }
        return query.append(" order by name limit $").append(++param).toString();
    }

    /** Sets the expected state; answered once stored. A resource being deleted takes no new expectation. */
    public Uni<ResourceRecord> setExpect(ResourceKind kind, String name, ExpectedState expect, String actor) {
        return update(kind, name, record -> {
            refuseWhileDeleting(record);
            record.changeExpect(expect, now());
        }, actor);
    }

    public Uni<ResourceRecord> requestRestart(ResourceKind kind, String name, String actor) {
        return update(kind, name, record -> {
            refuseWhileDeleting(record);
            if (record.expect != ExpectedState.RUNNING) {
                throw ProblemException.conflict("restart needs expect 'running', and '" + name + "' expects '"
                        + record.expect.wire() + "': PUT running first");
            }
            record.requestRestart(now());
        }, actor);
    }

    /** {@code DELETE …?uninstall=true}: every host is driven to not-installed, then the record goes. */
    public Uni<ResourceRecord> startDeleting(ResourceKind kind, String name, String actor) {
        return update(kind, name, record -> {
            if (!record.deleting) {
                record.startDeleting(now());
            }
        }, actor);
    }

    /**
     * Replaces a resource's spec ({@code PUT /{kind}/{name}}). {@code ifMatch}, when given, must be the record's
     * current entity tag. Secrets given as {@code ******} keep the stored ones; {@code CreateAt} stays as created.
     * Emits the record, written only when something changed.
     */
    public Uni<ResourceRecord> replaceSpec(ResourceKind kind, CreateRequest request, String ifMatch, String actor) {
        Consumer<ResourceRecord> replace = record -> {
            if (ifMatch != null && !ifMatch.equals(ResourceDocuments.etag(record)) && !ifMatch.equals("*")) {
                throw new ProblemException(412, "Precondition Failed", kind.wire() + " '" + request.name() + "' was changed since "
                        + ifMatch + " (now " + ResourceDocuments.etag(record) + "): GET it again and reapply your change", List.of());
            }
            refuseWhileDeleting(record);
            AppSpec oldApp = documents.app(record);
            Map<String, String> metadata = new LinkedHashMap<>(request.app().metadata() == null ? Map.of() : request.app().metadata());
            metadata.remove(SpecValidator.CREATE_AT);
            if (oldApp.metadata() != null && oldApp.metadata().containsKey(SpecValidator.CREATE_AT)) {
                metadata.put(SpecValidator.CREATE_AT, oldApp.metadata().get(SpecValidator.CREATE_AT));
            }
            AppSpec newApp = documents.keepHiddenMetadata(request.app().withMetadata(metadata), oldApp);
            List<HostSpec> oldHosts = documents.hosts(record);
            // A host listed again while being removed keeps its stored password too.
            List<HostSpec> known = java.util.stream.Stream.concat(oldHosts.stream(), documents.retiredHosts(record).stream()).toList();
            List<HostSpec> newHosts = documents.keepHiddenSecrets(request.hosts(), known);
            boolean newGeneration = !documents.sameApp(newApp, oldApp) || !request.ips().equals(oldHosts.stream().map(HostSpec::ip).toList());
            boolean changed = newGeneration || record.maxInFlight != request.maxInFlight()
                    || !documents.sameHosts(newHosts, oldHosts);
            if (!changed) {
                return;
            }
            List<HostSpec> retired = new java.util.ArrayList<>(documents.retiredHosts(record).stream()
                    .filter(h -> !request.ips().contains(h.ip())).toList());
            oldHosts.stream().filter(h -> !request.ips().contains(h.ip())).forEach(retired::add);
            record.replaceSpec(documents.storeSealedApp(newApp), documents.storeSealedHosts(newHosts), request.ips(),
                    documents.storeSealedHosts(retired), request.maxInFlight(), newGeneration,
                    documents.storeSealedApp(ResourceDocuments.redacted(oldApp)), now());
        };
        return agreeingAboutAgents(kind, request.name(), request.hosts().stream().map(HostRow::listed).toList(),
                update(kind, request.name(), replace, actor));
    }

    /**
     * {@code write}, whose host rows PostgreSQL refuses when another resource names the host's agent differently
     * (V14's exclusion constraints: one agent serves every resource on a host, so two naming different ports or accounts
     * would fight over it). A refusal is a 409 naming, for each host that disagrees, another resource it disagrees with:
     * the constraint's error names one pair of rows, and reading what disagrees takes only the refused writes' time.
     */
    private <T> Uni<T> agreeingAboutAgents(ResourceKind kind, String name, List<HostRow> wanted, Uni<T> write) {
        return write.onFailure(ResourceStore::isAgentDisagreement).recoverWithUni(() -> database.query(sql -> disagreements(sql, kind,
                name, wanted)).map(found -> {
                    // None found: the other resource was changed or deleted since, and the write may succeed if sent again.
                    List<Problem.FieldError> errors = !found.isEmpty() ? found : List.of(new Problem.FieldError("host",
                            "another resource being written at the same time names a host's agent differently; try again"));
                    throw new ProblemException(409, "Conflict", "a host's agent is already set up differently by another"
                            + " resource", errors);
                }));
    }

    /** For each wanted host, another resource that names its agent differently: one {@link #DISAGREEING} per host. */
    private static Uni<List<Problem.FieldError>> disagreements(SqlClient sql, ResourceKind kind, String name, List<HostRow> wanted) {
        List<Tuple> checks = wanted.stream().map(host -> Tuple.of(host.ip(), host.agentPort(), host.account(), kind.wire(), name))
                .toList();
        return sql.preparedQuery(DISAGREEING).executeBatch(checks).map(first -> {
            List<Problem.FieldError> errors = new ArrayList<>();
            RowSet<Row> rows = first;
            for (int i = 0; i < wanted.size(); i++, rows = rows.next()) {
                HostRow host = wanted.get(i);
                for (Row row : rows) {
                    errors.add(new Problem.FieldError("host[" + i + "]", AgentAccounts.conflict(host.ip(), host.agentPort(),
                            host.account(), row.getInteger(2), row.getString(3), row.getString(0) + " '" + row.getString(1) + "'")));
                }
            }
            return errors;
        });
    }

    /** PostgreSQL refusing a host row that names the host's agent unlike another resource's row (V14). */
    private static boolean isAgentDisagreement(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && EXCLUSION_VIOLATION.equals(pg.getSqlState())
                    && pg.getConstraint() != null && pg.getConstraint().startsWith("resource_host_one_agent_")) {
                return true;
            }
        }
        return false;
    }

    /**
     * For one wanted host ($1 ip, $2 port, $3 account), one other resource ($4, $5 being the resource itself) whose row
     * for the host disagrees: another port, or another account where both name one. Four index range scans that stop at
     * their first row, so the check is exact and costs the same however many resources a host has. Each is ordered as
     * the index is: with a bare limit, the planner guessed that a sequential scan would meet a disagreeing row at once,
     * and read the whole table. One host per execution, the hosts sent as one batch: with the hosts as arrays,
     * PostgreSQL counted 10 rows for any array against 1 for the one given, and would plan it again on every execution.
     */
    private static final String DISAGREEING = "select kind, name, agent_port, account from ("
            + disagreeing("agent_port < $2", "agent_port") + " union all " + disagreeing("agent_port > $2", "agent_port")
            + " union all " + disagreeing("agent_port = $2 and account < $3", "account")
            + " union all " + disagreeing("agent_port = $2 and account > $3", "account") + ") d limit 1";

    private static String disagreeing(String condition, String indexOrder) {
        return "(select kind, name, agent_port, account from resource_host where ip = $1 and " + condition
                + " and (kind, name) <> ($4, $5) order by " + indexOrder + " limit 1)";
    }

    /** Every resource on host {@code ip} (listed, or being removed) tries a failed step there at once; emits them. */
    public Uni<List<ResourceRecord>> askAnewOnHost(String ip) {
        return onHost(ip)
                .onItem().transformToMulti(on -> io.smallrye.mutiny.Multi.createFrom().iterable(on))
                .onItem().transformToUniAndConcatenate(on -> update(on.kind(), on.name(), record -> record.askAnewOn(ip, now())))
                .collect().asList();
    }

    /**
     * Forgets host {@code ip} wherever it is still being removed (an administrator's decision for a host that is gone
     * for good). Fails with a 409 naming a resource whose spec still lists it. Emits how many resources let it go.
     */
    public Uni<Integer> forgetRemovedHost(String ip, String actor) {
        return onHost(ip).invoke(others -> others.stream().filter(other -> other.lists(ip)).findFirst()
                        .ifPresent(listing -> refuseListed(listing.toString(), ip)))
                .onItem().transformToMulti(others -> io.smallrye.mutiny.Multi.createFrom().iterable(others))
                .onItem().transformToUniAndConcatenate(other -> update(other.kind(), other.name(), record -> {
                    if (record.host(ip).filter(HostState::removing).isEmpty()) {
                        refuseListed(other.toString(), ip); // listed again meanwhile
                    }
                    record.dropHost(ip, documents.retiredHostsWithout(record, ip), now());
                    record.dueAt = now(); // a deletion waiting for this host can finish now
                }, actor))
                .collect().asList().map(List::size);
    }

    private static void refuseListed(String resource, String ip) {
        throw ProblemException.conflict(resource + " lists host " + ip + ": remove it from that resource's host list first");
    }

    /** A resource that has a host (listed, or still being removed), and the hosts its spec lists. */
    private record OnHost(ResourceKind kind, String name, List<HostSpec> hosts) {
        boolean lists(String ip) {
            return hosts.stream().anyMatch(h -> h.ip().equals(ip));
        }

        @Override
        public String toString() {
            return kind.wire() + " '" + name + "'";
        }
    }

    /** Every resource on host {@code ip}, listed or still being removed. */
    private Uni<List<OnHost>> onHost(String ip) {
        return database.query(sql -> sql.preparedQuery("select r.kind, r.name, r.hosts from resource r join resource_host h"
                        + " on h.kind = r.kind and h.name = r.name where h.ip = $1").execute(Tuple.of(ip)))
                .map(rows -> {
                    List<OnHost> on = new ArrayList<>(rows.size());
                    rows.forEach(row -> on.add(new OnHost(ResourceKind.fromWire(row.getString(0)), row.getString(1),
                            documents.readHosts(row.getString(2)))));
                    return on;
                });
    }

    private static void refuseWhileDeleting(ResourceRecord record) {
        if (record.deleting) {
            throw ProblemException.conflict(record.kind.wire() + " '" + record.name + "' is being uninstalled for deletion");
        }
    }

    /**
     * Reads, changes and writes one resource, with its history, for a change that may be applied anew to what it stored
     * (the reconciler's, whose rules then find their step taken; a key rotation's). A read, then one statement compared
     * on the version read, on one connection and without a transaction (a change of hosts writes their rows too, in
     * one). On a version conflict, or a connection lost with the write's answer, the change is applied anew to a fresh
     * read (at once, on the same event loop: a delayed retry would leave its context).
     */
    public Uni<ResourceRecord> update(ResourceKind kind, String name, Consumer<ResourceRecord> change) {
        return database.onOneConnection(sql -> find(sql, kind, name).chain(record -> new Change(record, change).writeAlone(sql)))
                .onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
    }

    /**
     * {@link #update(ResourceKind, String, Consumer)} from {@code read}, a record just read (a host report's): written
     * as changed unless it was written since, and then the change is applied anew to a fresh read.
     */
    public Uni<ResourceRecord> update(ResourceRecord read, Consumer<ResourceRecord> change) {
        return Uni.createFrom().deferred(() -> {
            Change applied = new Change(read, change);
            // One statement, sent again as it is on a lost connection; a change of hosts (several, in a transaction)
            // takes the path that reads afresh at each attempt.
            return applied.movesHosts() ? update(read.kind, read.name, change) : database.onOneConnection(applied::write);
        }).onFailure(ResourceStore::isWriteConflict).recoverWithUni(() -> update(read.kind, read.name, change));
    }

    /**
     * {@link #update}, for a change an API caller asked for: its events name {@code actor}. Read and written in one
     * transaction, so that a commit whose answer was lost is a 503 ({@link DatabaseWork#transaction}), never a change
     * (a restart, say) applied twice.
     */
    public Uni<ResourceRecord> update(ResourceKind kind, String name, Consumer<ResourceRecord> change, String actor) {
        return transaction(sql -> find(sql, kind, name).chain(record -> new Change(record, change, actor).write(sql)));
    }

    /**
     * {@link #update}, for claiming an action on host {@code ip}: only while fewer than {@code maxPerHost} actions are in
     * flight there. A lock on the host's address is held while counting, so that concurrent claims on one host, from
     * any replica, take turns. Emits null, changing nothing, when the host is busy.
     */
    public Uni<ResourceRecord> claimOnHost(ResourceKind kind, String name, String ip, int maxPerHost,
            Consumer<ResourceRecord> change) {
        // An advisory lock, not the host's agent_host row: locking the row made the host's reports (which write its
        // heartbeat there) wait behind every claim on it. Two addresses sharing a hash only take turns needlessly.
        // The count and the record in one statement after the lock: a statement begun after the lock was granted sees
        // every claim committed before (under READ COMMITTED, one sharing the locking statement's snapshot would not).
        return transaction(sql -> sql.preparedQuery("select 1 from pg_advisory_xact_lock(" + CLAIM_LOCKS + ", hashtext($1))")
                        .execute(Tuple.of(ip))
                .chain(() -> findNamed(kind, name, () -> ResourceRows.findWithActionsOn(sql, kind, name, ip)))
                .chain(found -> found.actionsOnHost() >= maxPerHost ? Uni.createFrom().<ResourceRecord>nullItem()
                        : new Change(found.record(), change).write(sql)));
    }

    /** Deletes the record (never the application on its hosts). Emits the deleted record, or null when there was none. */
    public Uni<ResourceRecord> delete(ResourceKind kind, String name, String actor) {
        return deleteIf(kind, name, record -> true, actor);
    }

    /**
     * Deletes the record if {@code condition} holds for it as it is now; emits it when deleted, else null.
     * <p>
     * The row goes by a statement compared on its version (never Hibernate Reactive's entity delete, which keeps its
     * pending result in one object shared by every session, its {@code ReactiveDeleteCoordinator}: concurrent deletes
     * completed each other's statements, from the wrong event loop, HR000069, or never).
     */
    public Uni<ResourceRecord> deleteIf(ResourceKind kind, String name, Predicate<ResourceRecord> condition, String actor) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().nullItem();
        }
        return transaction(sql -> ResourceRows.find(sql, kind, name)
                .chain(record -> record == null || !condition.test(record) ? Uni.createFrom().<ResourceRecord>nullItem()
                        // The host rows, the resource row, then its action slots: the order a change takes them in, so
                        // that the two never deadlock.
                        : deleteRows(sql, "resource_host", record, record.hostIps())
                                .chain(() -> sql.preparedQuery("delete from resource where id = $1 and version = $2")
                                        .execute(Tuple.of(record.id, record.version)))
                                .invoke(deleted -> {
                                    if (deleted.rowCount() == 0) {
                                        throw new OptimisticLockException("resource " + record.id + " changed since read");
                                    }
                                })
                                .chain(() -> sql.preparedQuery("delete from host_action where kind = $1 and name = $2")
                                        .execute(Tuple.of(kind.wire(), name)))
                                .chain(() -> ResourceEvent.insertAll(sql, List.of(record.deletedEvent(now())), actor))
                                .replaceWith(record)));
    }

    /** Adds an event about host {@code ip} to a resource's history, the resource itself unchanged (a bootstrap's progress). */
    public Uni<Void> note(ResourceKind kind, String name, String ip, String type, String message) {
        Instant now = now();
        // A new event per attempt, like a create's entity.
        return database.transaction(() -> ResourceEvent.of(kind.wire(), name, now, type, null, null, ResourceEvent.BY_RECONCILER,
                message).onHost(ip).persist()).replaceWithVoid();
    }

    /** Every resource's kind and name, for a pass over all of them (key rotation). */
    public Uni<List<Object[]>> keys() {
        return database.query(sql -> sql.query("select kind, name from resource").execute()).map(rows -> {
            List<Object[]> keys = new ArrayList<>();
            rows.forEach(row -> keys.add(new Object[] {ResourceKind.fromWire(row.getString(0)), row.getString(1)}));
            return keys;
        });
    }

    // One statement, safe to run twice: a claim whose answer was lost only delays those resources until it expires. The
    // ids as an array: its one plan looks each up by key, where "id in (…)" was planned as a join reading the table.
    static final String TAKE_DUE = "update resource set due_at = $1 where id = any(array(select id from resource"
            + " where due_at <= $2 order by due_at limit $3 for update skip locked)) returning kind, name";

    /**
     * Takes up to {@code limit} resources due by {@code now} for this replica: each is pushed {@code claimFor} into the
     * future (the pass that follows sets its real due time), and rows another replica is taking are skipped, so that
     * replicas share due work without each reading everything. Emits kind and name of each.
     */
    public Uni<List<Object[]>> takeDue(Instant now, int limit, Instant claimUntil) {
        return database.query(sql -> sql.preparedQuery(TAKE_DUE)
                .execute(Tuple.of(ResourceRows.time(claimUntil), ResourceRows.time(now), limit))).map(rows -> {
                    List<Object[]> keys = new ArrayList<>(rows.size());
                    rows.forEach(row -> keys.add(new Object[] {row.getString(0), row.getString(1)}));
                    return keys;
                });
    }

    /** Sets when a resource is next due, unless it was written since {@code version} (that write set its own). */
    public Uni<Void> setDue(long id, long version, Instant dueAt) {
        return database.query(sql -> sql.preparedQuery("update resource set due_at = $1 where id = $2 and version = $3")
                .execute(Tuple.of(ResourceRows.time(dueAt), id, version))).replaceWithVoid();
    }

    /** Resources with an action in flight: after a start-up, each is followed up with its agent. */
    public Uni<List<Object[]>> withActionsInFlight() {
        return database.read(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                "select distinct kind, name from host_action", Object[].class).getResultList()));
    }

    /**
     * How many resources are in each realtime state. Plain SQL, as every query that runs at start-up: Hibernate
     * interprets a query on the event loop at its first use, which took seconds on a busy machine.
     */
    public Uni<List<Object[]>> countByRealtime() {
        return database.query(sql -> sql.query("select realtime, count(*) from resource group by realtime").execute())
                .map(rows -> {
                    List<Object[]> counts = new ArrayList<>();
                    rows.forEach(row -> counts.add(new Object[] {WireValue.require(RealtimeState.class, row.getString(0)),
                            row.getLong(1)}));
                    return counts;
                });
    }

    /**
     * One transaction; on a version conflict the whole of it runs again on fresh data. Each attempt runs on a context,
     * so a session, of its own (see {@link DatabaseWork}): a retry never meets the session a failed attempt left behind,
     * and writes that run at once (two hosts of a resource, a report and a pass) never share one.
     */
    private <T> Uni<T> transaction(Function<SqlConnection, Uni<T>> work) {
        return database.sqlTransaction(work).onFailure(ResourceStore::isWriteConflict).retry().atMost(MAX_WRITE_ATTEMPTS - 1);
    }

    /**
     * A change applied to a record as read, and what writing it takes: the host rows it implies, the record (only if the
     * change changed it, as Hibernate's dirty check did), the host action slots and the history.
     */
    private final class Change {

        private final ResourceRecord record;
        private final String actor;
        private final String specHostsBefore;
        private final Set<String> hostsBefore;
        private final Set<String> actionsBefore;
        private final List<Object> stored;
        private final List<ResourceEvent> events;

        Change(ResourceRecord record, Consumer<ResourceRecord> change) {
            this(record, change, null);
        }

        Change(ResourceRecord record, Consumer<ResourceRecord> change, String actor) {
            this.record = record;
            this.actor = actor;
            specHostsBefore = record.hosts;
            hostsBefore = record.hostIps();
            actionsBefore = record.inFlightHosts();
            stored = ResourceRows.written(record);
            change.accept(record);
            events = record.drainEvents();
        }

        /** Whether the change moves hosts in or out, or changes what the spec says of them: rows beside the record's. */
        boolean movesHosts() {
            return !specHostsBefore.equals(record.hosts) || !hostsBefore.equals(record.hostIps());
        }

        /** {@link #write} on a connection of its own: in a transaction there only when it {@link #movesHosts}. */
        Uni<ResourceRecord> writeAlone(SqlConnection sql) {
            return !movesHosts() ? write(sql) : sql.begin().chain(transaction -> write(sql).call(transaction::commit)
                    .onFailure().call(transaction::rollback));
        }

        /** One statement, unless {@link #movesHosts} (then the host rows first, in the caller's transaction). */
        Uni<ResourceRecord> write(SqlClient sql) {
            Uni<Void> hostRows = !movesHosts() ? Uni.createFrom().voidItem()
                    : syncHostRows(sql, record, hostRows(listedRows(specHostsBefore), hostsBefore), listedRows(record.hosts),
                            record.hostIps());
            if (stored.equals(ResourceRows.written(record))) {
                return hostRows.chain(() -> ResourceEvent.insertAll(sql, events, actor)).replaceWith(record);
            }
            Set<String> actionsAfter = record.inFlightHosts();
            Set<String> taken = new HashSet<>(actionsAfter);
            taken.removeAll(actionsBefore);
            Set<String> freed = new HashSet<>(actionsBefore);
            freed.removeAll(actionsAfter);
            return hostRows.chain(() -> ResourceRows.update(sql, record, taken, freed, events, actor));
        }
    }

    /** The rows of the hosts a spec lists ({@code specHosts}), in its order. */
    private List<HostRow> listedRows(String specHosts) {
        return documents.readHosts(specHosts).stream().map(HostRow::listed).toList();
    }

    /** The {@code resource_host} rows of a resource whose spec lists {@code listed} and that has hosts {@code ips}. */
    private static Map<String, HostRow> hostRows(List<HostRow> listed, Set<String> ips) {
        Map<String, HostRow> rows = new HashMap<>();
        ips.forEach(ip -> rows.put(ip, HostRow.removing(ip)));
        listed.forEach(row -> rows.put(row.ip(), row));
        return rows;
    }

    /**
     * Brings a resource's {@code resource_host} rows from {@code before} to those of its spec's hosts ({@code listed},
     * in the spec's order) and its hosts {@code ips}: one delete, one upsert at most. A row that changes for a host whose
     * agent is registered on another port is not written: the upsert writes none, and a 409 names those hosts by their
     * place in the spec.
     */
    private static Uni<Void> syncHostRows(SqlClient sql, ResourceRecord record, Map<String, HostRow> before,
            List<HostRow> listed, Set<String> ips) {
        Map<String, HostRow> after = hostRows(listed, ips);
        Set<String> gone = new HashSet<>(before.keySet());
        gone.removeAll(after.keySet());
        List<HostRow> changed = after.values().stream().filter(row -> !row.equals(before.get(row.ip()))).toList();
        List<Object> values = new ArrayList<>(List.of(record.kind.wire(), record.name));
        values.addAll(HostRow.columns(changed));
        return deleteRows(sql, "resource_host", record, gone).chain(() -> changed.isEmpty() ? Uni.createFrom().voidItem()
                : sql.preparedQuery(HostRow.writeStatement(3, " where not exists (" + HostRow.unlikeRegistration(3) + ")"))
                        .execute(Tuple.from(values)).chain(written -> written.rowCount() == changed.size()
                                ? Uni.createFrom().voidItem()
                                : refuseUnlikeRegistrations(sql, listed, changed.stream().map(HostRow::ip).collect(Collectors.toSet()))
                                        .invoke(() -> {
                                            throw ProblemException.conflict(record.kind.wire() + " '" + record.name + "' was"
                                                    + " not changed: a registration of one of its hosts changed meanwhile; try again");
                                        })));
    }

    /** Deletes the record's rows of {@code table} for hosts {@code ips}; nothing is sent when there are none. */
    private static Uni<Void> deleteRows(SqlClient sql, String table, ResourceRecord record, Set<String> ips) {
        return ips.isEmpty() ? Uni.createFrom().voidItem() : sql.preparedQuery("delete from " + table
                        + " where kind = $1 and name = $2 and ip = any($3::text[])")
                .execute(Tuple.of(record.kind.wire(), record.name, ips.toArray(String[]::new))).replaceWithVoid();
    }

    /** Names that could never have been created are not looked up: some (a NUL) are not even text to PostgreSQL. */
    private static Uni<ResourceRecord> find(SqlClient sql, ResourceKind kind, String name) {
        return findNamed(kind, name, () -> ResourceRows.find(sql, kind, name));
    }

    /** What {@code read} finds of the resource, or 404 when it finds nothing or the name could never have been created. */
    private static <T> Uni<T> findNamed(ResourceKind kind, String name, Supplier<Uni<T>> read) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().failure(notFound(kind, name));
        }
        return read.get().onItem().ifNull().failWith(() -> notFound(kind, name));
    }

    private static List<ResourceRecord> records(RowSet<Row> rows) {
        List<ResourceRecord> records = new ArrayList<>(rows.size());
        rows.forEach(row -> records.add(ResourceRows.read(row)));
        return records;
    }

    private static ProblemException notFound(ResourceKind kind, String name) {
        return ProblemException.notFound(kind.wire() + " '" + name + "' does not exist");
    }

    /**
     * A version conflict, or a transaction PostgreSQL aborted so that another could go on (a deadlock, 40P01, or a
     * serialization failure, 40001): run again on fresh data, as the database asks.
     */
    static boolean isWriteConflict(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof StaleStateException || t instanceof OptimisticLockException) {
                return true;
            }
            if (t instanceof JDBCException jdbc && ABORTED_FOR_ANOTHER.contains(jdbc.getSQLState())) {
                return true;
            }
            if (t instanceof PgException pg && ABORTED_FOR_ANOTHER.contains(pg.getSqlState())) {
                return true;
            }
        }
        return false;
    }
}
