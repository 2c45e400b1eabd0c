package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.ResourceKind;
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
import java.util.ArrayList;
import java.util.List;

/**
 * A stored resource. Its expect and realtime states change only through {@link #changeExpect} and
 * {@link #changeRealtime}, which produce the history event that must be written with the change.
 */
@Entity
@Table(name = "resource")
public class ResourceRecord extends PanacheEntityBase {

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

    /** {@link HostSpec} list as JSON, passwords encrypted. */
    @Column(nullable = false)
    public String hosts;

    @Convert(converter = StateColumns.Expected.class)
    @Column(nullable = false)
    public ExpectedState expect;

    @Convert(converter = StateColumns.Realtime.class)
    @Column(nullable = false)
    public RealtimeState realtime;

    @Column(name = "realtime_since", nullable = false)
    public Instant realtimeSince;

    @Column(name = "restart_requested", nullable = false)
    public boolean restartRequested;

    @Column(name = "check_code")
    public String checkCode;

    @Column(name = "check_msg")
    public String checkMsg;

    @Column(name = "check_at")
    public Instant checkAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Optimistic lock: a write based on a stale read fails and is retried on fresh data. */
    @Version
    public long version;

    /** Pending history for this unit of work; persisted by the store with the change. */
    @Transient
    private List<ResourceEvent> pendingEvents = new ArrayList<>();

    public static ResourceRecord create(ResourceKind kind, String name, String appSpec, String hosts,
            ExpectedState expect, RealtimeState realtime, Instant now) {
        ResourceRecord record = new ResourceRecord();
        record.kind = kind;
        record.name = name;
        record.appSpec = appSpec;
        record.hosts = hosts;
        record.expect = expect;
        record.realtime = realtime;
        record.realtimeSince = now;
        record.createdAt = now;
        record.updatedAt = now;
        record.event(ResourceEvent.CREATED, null, null, ResourceEvent.BY_API, null, now);
        record.event(ResourceEvent.EXPECT, null, expect.wire(), ResourceEvent.BY_API, null, now);
        record.event(ResourceEvent.REALTIME, null, realtime.wire(), ResourceEvent.BY_API, null, now);
        return record;
    }

    /** Sets the expected state. A new expectation drops a pending restart: the user asked for something else. */
    public void changeExpect(ExpectedState next, String cause, Instant now) {
        restartRequested = false;
        updatedAt = now;
        if (next != expect) {
            event(ResourceEvent.EXPECT, expect.wire(), next.wire(), cause, null, now);
            expect = next;
        }
    }

    public void changeRealtime(RealtimeState next, String cause, String message, Instant now) {
        if (next != realtime) {
            event(ResourceEvent.REALTIME, realtime.wire(), next.wire(), cause, message, now);
            realtime = next;
            realtimeSince = now;
            updatedAt = now;
        }
    }

    public void requestRestart(Instant now) {
        restartRequested = true;
        updatedAt = now;
        event(ResourceEvent.RESTART, null, null, ResourceEvent.BY_API, null, now);
    }

    public void recordCheck(String code, String msg, Instant now) {
        checkCode = code;
        checkMsg = msg;
        checkAt = now;
    }

    public ResourceEvent deletedEvent(Instant now) {
        return ResourceEvent.of(kind.wire(), name, now, ResourceEvent.DELETED, null, null, ResourceEvent.BY_API, null);
    }

    /** The history this unit of work produced, handed over once to be persisted. */
    public List<ResourceEvent> drainEvents() {
        List<ResourceEvent> events = List.copyOf(pendingEvents);
        pendingEvents.clear();
        return events;
    }

    private void event(String type, String oldValue, String newValue, String cause, String message, Instant now) {
        pendingEvents.add(ResourceEvent.of(kind.wire(), name, now, type, oldValue, newValue, cause, message));
    }
}
