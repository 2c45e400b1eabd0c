package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.reconcile.ResourceSnapshot;
import io.paasoperator.apiserver.reconcile.StateMachine;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.Operation;
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

    /** The action sent to an agent whose result has not arrived; written before the agent is called. */
    @Convert(converter = StateColumns.ActionColumn.class)
    @Column(name = "in_flight_action")
    public Action inFlightAction;

    /** The agent's operation id, once the agent has accepted the action. */
    @Column(name = "in_flight_operation")
    public String inFlightOperation;

    @Column(name = "in_flight_host")
    public String inFlightHost;

    @Column(name = "in_flight_since")
    public Instant inFlightSince;

    /** Past this, an action whose result has not arrived is failed: no transitional state lasts for ever. */
    @Column(name = "in_flight_deadline")
    public Instant inFlightDeadline;

    /** The action whose failure left realtime failed (a failed install is retried as install). */
    @Convert(converter = StateColumns.ActionColumn.class)
    @Column(name = "failed_action")
    public Action failedAction;

    @Column(name = "failure_count", nullable = false)
    public int failureCount;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "next_retry_at")
    public Instant nextRetryAt;

    @Column(name = "created_at", nullable = false)
    public Instant createdAt;

    @Column(name = "updated_at", nullable = false)
    public Instant updatedAt;

    /** Optimistic lock: a write based on a stale read fails and is retried on fresh data. */
    @Version
    public long version;

    /** Pending history for this unit of work; persisted by the store with the change. */
    @Transient
    private List<ResourceEvent> events = new ArrayList<>();

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

    /**
     * Sets the expected state. A new expectation drops a pending restart (the user asked for something else) and
     * resets the backoff: a user asking again deserves an attempt now.
     */
    public void changeExpect(ExpectedState next, String cause, Instant now) {
        restartRequested = false;
        failureCount = 0;
        nextRetryAt = null;
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

    /** What the state machine looks at. */
    public ResourceSnapshot snapshot(boolean hasRestartScript) {
        return new ResourceSnapshot(expect, realtime, realtimeSince, restartRequested, inFlightAction, failedAction,
                nextRetryAt, checkAt, hasRestartScript);
    }

    /** Claims the resource for {@code action} on {@code host}: stored before the agent is called (crash safety). */
    public void beginAction(Action action, String host, Instant now, Instant deadline) {
        inFlightAction = action;
        inFlightHost = host;
        inFlightSince = now;
        inFlightDeadline = deadline;
        inFlightOperation = null;
        changeRealtime(StateMachine.during(action), ResourceEvent.BY_RECONCILER, action.wire() + " sent to " + host, now);
    }

    public void attachOperation(String operationId) {
        inFlightOperation = operationId;
    }

    /**
     * Applies an action's result. Only the result of the action in flight decides anything; a late or stray one (an
     * action already failed for want of news, a duplicate delivery) is kept in the history only.
     */
    public void applyResult(Operation operation, Instant now, Instant retryAt) {
        events.add(ResourceEvent.action(kind.wire(), name, now, operation));
        boolean inFlight = operation.id().equals(inFlightOperation)
                || (inFlightOperation == null && operation.action() == inFlightAction);
        if (!inFlight) {
            return;
        }
        Action action = inFlightAction;
        clearInFlight();
        StateMachine.Outcome outcome = StateMachine.afterAction(action, operation.state(), realtime);
        switch (operation.state()) {
            case SUCCEEDED -> {
                failureCount = 0;
                failedAction = null;
                lastError = null;
                nextRetryAt = null;
                if (outcome.restartDone()) {
                    restartRequested = false;
                }
                changeRealtime(outcome.realtime(), ResourceEvent.BY_AGENT, action.wire() + " succeeded", now);
            }
            case INTERRUPTED -> changeRealtime(outcome.realtime(), ResourceEvent.BY_AGENT,
                    action.wire() + " was interrupted on the host; finding out the state afresh", now);
            default -> fail(action, operation.reason() != null ? operation.reason()
                    : action.wire() + " " + operation.state().wire(), now, retryAt);
        }
    }

    /** A step that could not be carried out (agent unreachable or refusing, no result in time): back off and retry. */
    public void fail(Action action, String reason, Instant now, Instant retryAt) {
        clearInFlight();
        failedAction = action;
        failureCount++;
        lastError = reason;
        nextRetryAt = retryAt;
        updatedAt = now;
        changeRealtime(RealtimeState.FAILED, ResourceEvent.BY_RECONCILER, reason, now);
    }

    /** A probe that could not reach the agent (or install one): the state stays unknown; try again later. */
    public void probeFailed(String reason, Instant now, Instant retryAt) {
        event(ResourceEvent.ERROR, null, null, ResourceEvent.BY_RECONCILER, reason, now);
        failureCount++;
        lastError = reason;
        nextRetryAt = retryAt;
        updatedAt = now;
    }

    /** The action's fate is unknown and the agent never took it (the apiserver stopped first): find out afresh. */
    public void abandonAction(String reason, Instant now) {
        clearInFlight();
        changeRealtime(RealtimeState.UNKNOWN, ResourceEvent.BY_RECONCILER, reason, now);
    }

    private void clearInFlight() {
        inFlightAction = null;
        inFlightOperation = null;
        inFlightHost = null;
        inFlightSince = null;
        inFlightDeadline = null;
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

    private void event(String type, String oldValue, String newValue, String cause, String message, Instant now) {
        events.add(ResourceEvent.of(kind.wire(), name, now, type, oldValue, newValue, cause, message));
    }
}
