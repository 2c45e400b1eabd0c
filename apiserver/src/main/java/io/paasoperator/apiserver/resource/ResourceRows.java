package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.AgentAccounts;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.persistence.OptimisticLockException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code resource} table as SQL on the reactive pool, for the hot routes: a read maps a row straight to a
 * {@link ResourceRecord}, and a write is one statement, a compare-and-set on {@code version} like Hibernate's optimistic
 * lock (the entity mapping stays the schema's description; Flyway validates it).
 */
final class ResourceRows {

    static final String COLUMNS = "id, kind, name, app_spec, hosts, retired_hosts, host_states, expect, realtime, realtime_since,"
            + " generation, spec_version, max_in_flight, deleting, due_at, created_at, updated_at, version";

    /**
     * A new resource, its hosts' rows and its events: one statement (data-modifying CTEs, all stored or none), one round
     * trip where three inserts took three. A name already taken, or a host registered with another agent port, stores
     * nothing and returns no row: no error, so nothing in PostgreSQL's log for what is an ordinary 409.
     */
    private static final String INSERT = "with created as (insert into resource (kind, name, app_spec, hosts, retired_hosts,"
            + " host_states, expect, realtime, realtime_since, generation, spec_version, max_in_flight, deleting, due_at,"
            + " created_at, updated_at, version) select $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15,"
            + " $16, 0 where not exists (" + HostRow.unlikeRegistration(17) + ") on conflict (kind, name) do nothing returning id),"
            + " listed as (" + HostRow.writeStatement(17, " where exists (select 1 from created)") + "),"
            + " events as (" + ResourceEvent.insertAllStatement(20) + " where exists (select 1 from created))"
            + " select id from created";

    private static final String UPDATE = "update resource set app_spec = $1, hosts = $2, retired_hosts = $3, host_states = $4,"
            + " expect = $5, realtime = $6, realtime_since = $7, generation = $8, spec_version = $9, max_in_flight = $10,"
            + " deleting = $11, due_at = $12, updated_at = $13, version = version + 1 where id = $14 and version = $15";

    /**
     * A change of a resource in one statement: the row, compared on its version; the host action slots its change takes
     * ($18) and gives back ($19), of kind $16 and name $17; and its events. The rest is written only if the row was, so
     * that the statement stands alone (autocommit) and a write that finds the row changed since its read stores nothing.
     * The resource row is taken before the slots, the order every writer of both takes them in (see {@link
     * ResourceStore#deleteIf}).
     */
    static final String WRITE = "with updated as (" + UPDATE + " returning 1),"
            + " slots_taken as (insert into host_action (ip, kind, name) select ip, $16, $17 from unnest($18::text[]) as taken(ip)"
            + " where exists (select 1 from updated)),"
            + " slots_freed as (delete from host_action where kind = $16 and name = $17 and ip = any($19::text[])"
            + " and exists (select 1 from updated)),"
            + " events as (" + ResourceEvent.insertAllStatement(20) + " where exists (select 1 from updated))"
            + " select count(*) from updated";

    private static final String FIND = "select " + COLUMNS + " from resource where kind = $1 and name = $2";
    private static final int COLUMN_COUNT = COLUMNS.split(",").length;
    private static final String FIND_WITH_ACTIONS_ON_HOST = "select " + COLUMNS
            + ", (select count(*) from host_action where ip = $3) from resource where kind = $1 and name = $2";

    /**
     * {@link #FIND} with the heartbeat of each of its hosts whose agent reports by host: a row per such host (the record's
     * columns in each), or one with nulls after the record's when there is none.
     */
    static final String FIND_WITH_HEARTBEATS = "select " + COLUMNS + ", heard.ip, heard.reported_at,"
            + " heard.reported_apps from resource left join lateral (select agent.ip, agent.reported_at, agent.reported_apps"
            + " from resource_host host join agent_host agent on agent.ip = host.ip where host.kind = resource.kind"
            + " and host.name = resource.name and agent.reported_apps is not null) heard on true"
            + " where resource.kind = $1 and resource.name = $2";

    private ResourceRows() {
    }

    static ResourceRecord read(Row row) {
        ResourceRecord record = new ResourceRecord();
        record.id = row.getLong(0);
        record.kind = WireValue.require(ResourceKind.class, row.getString(1));
        record.name = row.getString(2);
        record.appSpec = row.getString(3);
        record.hosts = row.getString(4);
        record.retiredHosts = row.getString(5);
        record.hostStatesJson = row.getString(6);
        record.expect = WireValue.require(ExpectedState.class, row.getString(7));
        record.realtime = WireValue.require(RealtimeState.class, row.getString(8));
        record.realtimeSince = instant(row.getOffsetDateTime(9));
        record.generation = row.getLong(10);
        record.specVersion = row.getLong(11);
        record.maxInFlight = row.getInteger(12);
        record.deleting = row.getBoolean(13);
        record.dueAt = instant(row.getOffsetDateTime(14));
        record.createdAt = instant(row.getOffsetDateTime(15));
        record.updatedAt = instant(row.getOffsetDateTime(16));
        record.version = row.getLong(17);
        return record;
    }

    /** The resource {@code kind}/{@code name}, or null. */
    static Uni<ResourceRecord> find(SqlClient sql, ResourceKind kind, String name) {
        return sql.preparedQuery(FIND).execute(Tuple.of(kind.wire(), name))
                .map(rows -> rows.size() == 0 ? null : read(rows.iterator().next()));
    }

    /** {@link #find} and its hosts' heartbeats (by address), in one statement; null when there is none. */
    static Uni<ResourceStore.WithHeartbeats> findWithHeartbeats(SqlClient sql, ResourceKind kind, String name) {
        return sql.preparedQuery(FIND_WITH_HEARTBEATS).execute(Tuple.of(kind.wire(), name)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Map<String, Heartbeat> heartbeats = new HashMap<>();
            ResourceRecord record = null;
            for (Row row : rows) {
                record = record == null ? read(row) : record;
                String ip = row.getString(COLUMN_COUNT);
                if (ip != null) {
                    heartbeats.put(ip, Heartbeat.read(row, COLUMN_COUNT + 1));
                }
            }
            return new ResourceStore.WithHeartbeats(record, heartbeats);
        });
    }

    /** A resource, and how many actions are in flight on host {@code ip} (of any resource). */
    record WithActionsOnHost(ResourceRecord record, long actionsOnHost) {
    }

    /** {@link #find} and a count of the actions in flight on host {@code ip}, in one statement; null when there is none. */
    static Uni<WithActionsOnHost> findWithActionsOn(SqlClient sql, ResourceKind kind, String name, String ip) {
        return sql.preparedQuery(FIND_WITH_ACTIONS_ON_HOST).execute(Tuple.of(kind.wire(), name, ip)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            Row row = rows.iterator().next();
            return new WithActionsOnHost(read(row), row.getLong(COLUMN_COUNT));
        });
    }

    /**
     * A row of {@code resource_host}: a host of a resource, and what its spec says of the host's agent (port, and account
     * or null when it names none); both null while the host is being removed.
     */
    record HostRow(String ip, Integer agentPort, String account) {

        /**
         * Rows' hosts (ips and ports: the arrays {@link #columns} numbered from {@code first}) whose agents are registered
         * (PUT /hosts/{ip}) on another port: the one port such an agent answers on.
         */
        static String unlikeRegistration(int first) {
            return "select 1 from unnest($" + first + "::text[], $" + (first + 1) + "::int[]) as listed(ip, port)"
                    + " join agent_host registered on registered.ip = listed.ip where registered.registered_at is not null"
                    + " and registered.agent_port <> listed.port";
        }

        static HostRow listed(HostSpec host) {
            return new HostRow(host.ip(), host.withDefaults().agentPort(), AgentAccounts.account(host));
        }

        static HostRow removing(String ip) {
            return new HostRow(ip, null, null);
        }

        /**
         * Writes a resource's host rows (kind $1, name $2) from three arrays numbered from {@code first}: ips, ports and
         * accounts ({@link #columns}); a row already there takes the new port and account. {@code onlyIf}: a where
         * clause, or empty.
         */
        static String writeStatement(int first, String onlyIf) {
            return "insert into resource_host (ip, kind, name, agent_port, account) select ip, $1, $2, port, account from"
                    + " unnest($" + first + "::text[], $" + (first + 1) + "::int[], $" + (first + 2) + "::text[])"
                    + " as listed(ip, port, account)" + onlyIf + " on conflict (kind, name, ip)"
                    + " do update set agent_port = excluded.agent_port, account = excluded.account";
        }

        /**
         * The rows' ips, ports and accounts: the three arrays a statement unnests, in address order, the order every
         * writer inserts them in, so that two writers waiting on each other's rows of different hosts (V14's constraints
         * wait for a row not yet committed) are rare. Not never: two that disagree about one host can still deadlock in
         * PostgreSQL's check, which aborts one (40P01) after its deadlock_timeout; the writes are tried again.
         */
        static List<Object> columns(Collection<HostRow> rows) {
            List<HostRow> ordered = rows.stream().sorted(Comparator.comparing(HostRow::ip)).toList();
            return Arrays.asList(ordered.stream().map(HostRow::ip).toArray(String[]::new),
                    ordered.stream().map(HostRow::agentPort).toArray(Integer[]::new),
                    ordered.stream().map(HostRow::account).toArray(String[]::new));
        }
    }

    /**
     * Inserts a new record with its hosts' rows and its events (those it has drained, naming {@code actor}); sets its id
     * (its version is 0, as Hibernate starts it). Emits null, having stored nothing, when the name is taken.
     */
    static Uni<ResourceRecord> insert(SqlClient sql, ResourceRecord record, List<HostRow> hosts, String actor) {
        List<Object> values = new java.util.ArrayList<>(Arrays.asList(record.kind.wire(), record.name, record.appSpec,
                record.hosts, record.retiredHosts, record.hostStatesJson, record.expect.wire(), record.realtime.wire(),
                time(record.realtimeSince), record.generation, record.specVersion, record.maxInFlight, record.deleting,
                time(record.dueAt), time(record.createdAt), time(record.updatedAt)));
        values.addAll(HostRow.columns(hosts));
        values.addAll(ResourceEvent.insertAllParameters(record.drainEvents(), actor));
        return sql.preparedQuery(INSERT).execute(Tuple.from(values)).map(rows -> {
            if (rows.size() == 0) {
                return null;
            }
            record.id = rows.iterator().next().getLong(0);
            record.version = 0;
            return record;
        });
    }

    /** What a write stores of a record: compared before and after a change, so that an unchanged record is not written. */
    static List<Object> written(ResourceRecord record) {
        return Arrays.asList(record.appSpec, record.hosts, record.retiredHosts, record.hostStatesJson, record.expect.wire(),
                record.realtime.wire(), time(record.realtimeSince), record.generation, record.specVersion, record.maxInFlight,
                record.deleting, time(record.dueAt), time(record.updatedAt));
    }

    /**
     * Writes a changed record, unless it was written since it was read (then fails with an {@link OptimisticLockException},
     * on which the store reads it again and applies the change anew), with the action slots its hosts took and gave back
     * and the change's {@code events}. Its version goes up by one.
     */
    static Uni<ResourceRecord> update(SqlClient sql, ResourceRecord record, Set<String> slotsTaken, Set<String> slotsFreed,
            List<ResourceEvent> events, String actor) {
        List<Object> values = new java.util.ArrayList<>(written(record));
        values.addAll(List.of(record.id, record.version, record.kind.wire(), record.name, slotsTaken.toArray(String[]::new),
                slotsFreed.toArray(String[]::new)));
        values.addAll(ResourceEvent.insertAllParameters(events, actor));
        return sql.preparedQuery(WRITE).execute(Tuple.from(values)).map(rows -> updated(record, rows.iterator().next().getLong(0)));
    }

    private static ResourceRecord updated(ResourceRecord record, long rowsUpdated) {
        if (rowsUpdated == 0) {
            throw new OptimisticLockException("resource " + record.id + " changed since read");
        }
        record.version++;
        return record;
    }

    static OffsetDateTime time(Instant instant) {
        return instant == null ? null : instant.atOffset(ZoneOffset.UTC);
    }

    private static Instant instant(OffsetDateTime time) {
        return time == null ? null : time.toInstant();
    }
}
