package io.paasoperator.apiserver.history;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;

/** Reads a kind's history: which resources changed state on a day, and one resource's events. */
@ApplicationScoped
public class History {

    private final DatabaseWork database;

    public History(DatabaseWork database) {
        this.database = database;
    }

    /** Names whose expect or realtime changed on {@code day} (server time zone), in order of their first change that day. */
    public Uni<List<String>> changedOn(ResourceKind kind, LocalDate day, ZoneId zone) {
        return database.query(sql -> sql.preparedQuery("select name from resource_event where kind = $1 and type = any($2::text[])"
                        + " and at >= $3 and at < $4 group by name order by min(at), name")
                .execute(Tuple.of(kind.wire(), new String[] {ResourceEvent.EXPECT, ResourceEvent.REALTIME},
                        day.atStartOfDay(zone).toOffsetDateTime(), day.plusDays(1).atStartOfDay(zone).toOffsetDateTime())))
                .map(rows -> {
                    List<String> names = new ArrayList<>(rows.size());
                    rows.forEach(row -> names.add(row.getString(0)));
                    return names;
                });
    }

    /** The host operation {@code id} of a resource ran on, as its result's event says; null when no event names it. */
    public Uni<String> operationHost(ResourceKind kind, String name, String id) {
        return database.read(() -> Panache.getSession().chain(session -> session.createSelectionQuery(
                        "select e.host from ResourceEvent e where e.kind = :kind and e.name = :name and e.operationId = :id"
                                + " and e.host is not null order by e.id desc", String.class)
                .setParameter("kind", kind.wire())
                .setParameter("name", name)
                .setParameter("id", id)
                .setMaxResults(1)
                .getResultList())).map(hosts -> hosts.isEmpty() ? null : hosts.get(0));
    }

    /** The newest {@code limit} events of one resource, newest first; they outlive the resource. */
    public Uni<List<ResourceEvent>> events(ResourceKind kind, String name, int limit) {
        if (!NamingRules.isResourceName(name)) {
            return Uni.createFrom().item(List.of()); // never created, so no history (and a NUL is not text to PostgreSQL)
        }
        return database.read(() -> ResourceEvent.<ResourceEvent>find("kind = ?1 and name = ?2 order by id desc",
                kind.wire(), name).range(0, limit - 1).list());
    }
}
