package io.paasoperator.apiserver.rules;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.WireValue;
import java.time.Instant;
import java.util.Objects;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * One host of a resource as the reconciler sees it (SPEC.md §4, several hosts): its own realtime state, action in
 * flight, failures and backoff, last report. Stored with the resource and shown as {@code detail.hosts[]}. Immutable:
 * {@link Transitions} makes the next one.
 *
 * @param generation the generation of the resource's spec this host last installed (0: none)
 * @param restartPending a PUT restart this host has not carried out yet
 * @param planned the planned disruption (roll-out or restart) this host is in the middle of, or null
 * @param removing the host was dropped from the resource's {@code host} list: it is uninstalled, then forgotten
 * @param parked the host refused the credentials given for it: nothing is tried there until they change or a user
 *        asks anew (each try would bring an account lockout closer)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@Schema(requiredProperties = {"ip", "realtime", "realtime_since", "generation", "failure_count", "restart_pending", "removing",
        "parked"})
public record HostState(
        String ip,
        RealtimeState realtime,
        @JsonProperty("realtime_since") Instant realtimeSince,
        long generation,
        @JsonProperty("in_flight") InFlight inFlight,
        @JsonProperty("failed_action") Action failedAction,
        @JsonProperty("failure_count") int failureCount,
        @JsonProperty("last_error") String lastError,
        @JsonProperty("next_retry_at") Instant nextRetryAt,
        @JsonProperty("last_report_at") Instant lastReportAt,
        @JsonProperty("last_check") LastCheck lastCheck,
        @JsonProperty("restart_pending") boolean restartPending,
        Planned planned,
        boolean removing,
        boolean parked) {

    /**
     * The action sent to the host's agent whose result has not arrived: written before the agent is called, under the
     * operation id the agent runs it as, so that after a crash the outcome is asked for by that id.
     *
     * @param generation the spec generation the action carries out
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"action", "operation_id", "since", "deadline", "generation"})
    public record InFlight(Action action, @JsonProperty("operation_id") String operationId, Instant since,
            Instant deadline, long generation) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"code", "at"})
    public record LastCheck(String code, String msg, Instant at) {
    }

    /** Why a host is taken out of service on purpose; at most {@code rollout.max_in_flight} hosts are at once. */
    public enum Planned implements WireValue {
        ROLLOUT, RESTART;

        @JsonValue
        @Override
        public String wire() {
            return WireValue.super.wire();
        }
    }

    /** A host as a resource starts on it: nothing in flight, nothing failed. */
    public static HostState fresh(String ip, RealtimeState realtime, long generation, Instant now) {
        return new HostState(ip, realtime, now, generation, null, null, 0, null, null, null, null, false, null, false, false);
    }

    public HostState withRealtime(RealtimeState next, Instant now) {
        return next == realtime ? this : new HostState(ip, next, now, generation, inFlight, failedAction, failureCount,
                lastError, nextRetryAt, lastReportAt, lastCheck, restartPending, planned, removing, parked);
    }

    public HostState withInFlight(InFlight next) {
        return new HostState(ip, realtime, realtimeSince, generation, next, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, restartPending, planned, removing, parked);
    }

    public HostState withGeneration(long next) {
        return new HostState(ip, realtime, realtimeSince, next, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, restartPending, planned, removing, parked);
    }

    /** The failure bookkeeping: which action failed, how often in a row, why, and when to try again. */
    public HostState withFailures(Action action, int count, String error, Instant retryAt) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, action, count, error, retryAt,
                lastReportAt, lastCheck, restartPending, planned, removing, parked);
    }

    public HostState withoutFailures() {
        return withFailures(null, 0, null, null);
    }

    public HostState withReport(LastCheck check) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, check.at(), check, restartPending, planned, removing, parked);
    }

    public HostState withRestartPending(boolean pending) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, pending, planned, removing, parked);
    }

    public HostState withPlanned(Planned next) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, restartPending, next, removing, parked);
    }

    public HostState asRemoving() {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, false, null, true, parked);
    }

    /** Listed again while it was being removed: managed as before. */
    public HostState relisted() {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, restartPending, planned, false, parked);
    }

    public HostState withParked(boolean next) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, lastReportAt, lastCheck, restartPending, planned, removing, next);
    }

    /** When the host was last heard of: its last health report, or else its last change of state. */
    /** This host as if a report had come at {@code at}, when that is later than its last one (a heartbeat stands for it). */
    public HostState heardAt(Instant at) {
        return at == null || !at.isAfter(lastHeard()) ? this : withHeard(at, lastCheck);
    }

    /**
     * Whether a report made {@code next} of this host beyond noting when it was heard: a state, a failure, or what the
     * check said. A report that changes nothing needs no write (the host's heartbeat keeps its time).
     */
    public boolean changedBeyondHearing(HostState next) {
        LastCheck said = next.lastCheck;
        boolean sameWords = said == null ? lastCheck == null
                : lastCheck != null && Objects.equals(said.code(), lastCheck.code()) && Objects.equals(said.msg(), lastCheck.msg());
        return !sameWords || !next.withHeard(lastReportAt, lastCheck).equals(this);
    }

    private HostState withHeard(Instant reportAt, LastCheck check) {
        return new HostState(ip, realtime, realtimeSince, generation, inFlight, failedAction, failureCount, lastError,
                nextRetryAt, reportAt, check, restartPending, planned, removing, parked);
    }

    public Instant lastHeard() {
        return lastReportAt != null && lastReportAt.isAfter(realtimeSince) ? lastReportAt : realtimeSince;
    }
}
