package io.paasoperator.apiserver.history;

import io.paasoperator.contract.Operation;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.List;

/** One line of a resource's history: a state change, a restart request, a deletion. Written with the change itself. */
@Entity
@Table(name = "resource_event")
public class ResourceEvent extends PanacheEntityBase {

    /** What an event records; {@link #EXPECT} and {@link #REALTIME} rows make up the changed list. */
    public static final String EXPECT = "expect";
    public static final String REALTIME = "realtime";
    public static final String CREATED = "created";
    public static final String RESTART = "restart";
    public static final String DELETED = "deleted";
    public static final String ACTION = "action";
    /** A step that failed without changing the state (a probe that found no agent, say). */
    public static final String ERROR = "error";
    /** A new spec: {@code from} and {@code to} are generations; {@code message} holds the old spec (passwords never). */
    public static final String SPEC = "spec";
    public static final String UNINSTALL_REQUESTED = "uninstall-requested";
    public static final String HOST_REMOVED = "host-removed";
    /** The agent of one of the resource's hosts is being installed over SSH, or was. */
    public static final String BOOTSTRAP = "bootstrap";

    /** Who caused it. */
    public static final String BY_API = "api";
    public static final String BY_HEALTH_REPORT = "health-report";
    public static final String BY_RECONCILER = "reconciler";
    public static final String BY_AGENT = "agent";

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    /** Kind and name rather than a foreign key: history outlives a deleted resource. */
    @Column(nullable = false)
    public String kind;

    @Column(nullable = false)
    public String name;

    @Column(nullable = false)
    public Instant at;

    @Column(nullable = false)
    public String type;

    @Column(name = "old_value")
    public String oldValue;

    @Column(name = "new_value")
    public String newValue;

    @Column(nullable = false)
    public String cause;

    public String message;

    @Column(name = "operation_id")
    public String operationId;

    @Column(name = "exit_code")
    public Integer exitCode;

    @Column(name = "duration_ms")
    public Long durationMs;

    @Column(name = "output_tail")
    public String outputTail;

    /** The host the event is about; null for the resource as a whole. */
    public String host;

    /** For a change made through the API: the name of the token that made it (never the token). */
    public String actor;

    /**
     * Inserts a write's events, naming {@code actor} (when not null) on those the API caused: one statement however many
     * there are (one array per column, unnested into rows). Their ids stay unset: nothing reads them back.
     */
    public static Uni<Void> insertAll(SqlClient sql, List<ResourceEvent> events, String actor) {
        if (events.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        return sql.preparedQuery(insertAllStatement(1)).execute(Tuple.from(insertAllParameters(events, actor))).replaceWithVoid();
    }

    /**
     * {@link #insertAll}'s statement with its parameters numbered from {@code first}, for a statement that writes events
     * beside other rows (a create); {@link #insertAllParameters} gives its fourteen values.
     */
    public static String insertAllStatement(int first) {
        String[] types = {"text", "text", "timestamptz", "text", "text", "text", "text", "text", "text", "int", "bigint",
                "text", "text", "text"};
        StringBuilder arrays = new StringBuilder();
        for (int i = 0; i < types.length; i++) {
            arrays.append(i == 0 ? "" : ", ").append('$').append(first + i).append("::").append(types[i]).append("[]");
        }
        return "insert into resource_event (kind, name, at, type, old_value, new_value, cause, message, operation_id,"
                + " exit_code, duration_ms, output_tail, host, actor) select * from unnest(" + arrays + ")";
    }

    /** The values of {@link #insertAllStatement}: one array per column, {@code actor} named on what the API caused. */
    public static List<Object> insertAllParameters(List<ResourceEvent> events, String actor) {
        int n = events.size();
        String[] kinds = new String[n], names = new String[n], types = new String[n], olds = new String[n], news = new String[n],
                causes = new String[n], messages = new String[n], operations = new String[n], tails = new String[n],
                hosts = new String[n], actors = new String[n];
        OffsetDateTime[] ats = new OffsetDateTime[n];
        Integer[] exitCodes = new Integer[n];
        Long[] durations = new Long[n];
        for (int i = 0; i < n; i++) {
            ResourceEvent e = events.get(i);
            if (actor != null && BY_API.equals(e.cause)) {
                e.actor = actor;
            }
            kinds[i] = e.kind;
            names[i] = e.name;
            ats[i] = e.at.atOffset(ZoneOffset.UTC);
            types[i] = e.type;
            olds[i] = e.oldValue;
            news[i] = e.newValue;
            causes[i] = e.cause;
            messages[i] = e.message;
            operations[i] = e.operationId;
            exitCodes[i] = e.exitCode;
            durations[i] = e.durationMs;
            tails[i] = e.outputTail;
            hosts[i] = e.host;
            actors[i] = e.actor;
        }
        return Arrays.asList(kinds, names, ats, types, olds, news, causes, messages, operations, exitCodes, durations, tails,
                hosts, actors);
    }

    /** An action's result: what ran, how it ended, how long it took, and the end of its output. */
    public static ResourceEvent action(String kind, String name, Instant at, Operation operation) {
        String outcome = operation.action().wire() + " " + operation.state().wire();
        ResourceEvent event = of(kind, name, at, ACTION, null, operation.state().wire(), BY_AGENT,
                operation.reason() != null ? outcome + ": " + operation.reason() : outcome);
        event.operationId = operation.id();
        event.exitCode = operation.exitCode();
        event.durationMs = operation.durationMs();
        event.outputTail = operation.outputTail();
        return event;
    }

    /** This event, about host {@code ip} (null: the resource as a whole). */
    public ResourceEvent onHost(String ip) {
        host = ip;
        return this;
    }

    public static ResourceEvent of(String kind, String name, Instant at, String type, String oldValue, String newValue,
            String cause, String message) {
        ResourceEvent event = new ResourceEvent();
        event.kind = kind;
        event.name = name;
        event.at = at;
        event.type = type;
        event.oldValue = oldValue;
        event.newValue = newValue;
        event.cause = cause;
        event.message = message;
        return event;
    }
}
