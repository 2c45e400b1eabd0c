package io.paasoperator.apiserver.history;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import io.smallrye.mutiny.Uni;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
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

    /** Who caused it. */
    public static final String BY_API = "api";
    public static final String BY_HEALTH_REPORT = "health-report";

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

    /** Persists a unit of work's events; none is fine (Panache's own persist refuses an empty list). */
    public static Uni<Void> persistAll(List<ResourceEvent> events) {
        return events.isEmpty() ? Uni.createFrom().voidItem() : persist(events);
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
