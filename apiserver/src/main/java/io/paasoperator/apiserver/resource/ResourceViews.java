package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Instant;
import java.util.List;

/** The shapes the API answers with. The full object keeps the seed's layout; what the seed lacks sits under {@code detail}. */
public final class ResourceViews {

    private ResourceViews() {
    }

    public record Status(ExpectedState expect, RealtimeState realtime) {
    }

    /** The seed's answer to GET status and to PUT: {@code {"name","status":{"expect","realtime"}}}. */
    public record StatusView(String name, Status status) {
        static StatusView of(ResourceRecord record) {
            return new StatusView(record.name, new Status(record.expect, record.realtime));
        }
    }

    public record AppView(@JsonUnwrapped AppSpec spec, Status status) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LastCheck(String code, String msg, Instant at) {
    }

    /** The action in flight, if any. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record InFlight(Action action, String host, @JsonProperty("operation_id") String operationId, Instant since,
            Instant deadline) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Detail(
            long version,
            @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("updated_at") Instant updatedAt,
            @JsonProperty("realtime_since") Instant realtimeSince,
            @JsonProperty("restart_pending") boolean restartPending,
            @JsonProperty("last_check") LastCheck lastCheck,
            @JsonProperty("in_flight") InFlight inFlight,
            @JsonProperty("failure_count") int failureCount,
            @JsonProperty("last_error") String lastError,
            @JsonProperty("next_retry_at") Instant nextRetryAt) {
    }

    /** The full object. Passwords read {@value HostSpec#HIDDEN_PASSWORD}. */
    public record ResourceView(String name, String type, List<HostSpec> host, AppView app, Detail detail) {
    }

    /** One page of a list; {@code continue} is the value to pass for the next page, absent on the last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ResourcePage(List<ResourceView> items, @JsonProperty("continue") String next) {
    }

    public record DeleteResult(String name, String message) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record EventView(Instant at, String type, String from, String to, String cause, String message,
            @JsonProperty("operation_id") String operationId, @JsonProperty("exit_code") Integer exitCode,
            @JsonProperty("duration_ms") Long durationMs, @JsonProperty("output_tail") String outputTail) {
        static EventView of(ResourceEvent event) {
            return new EventView(event.at, event.type, event.oldValue, event.newValue, event.cause, event.message,
                    event.operationId, event.exitCode, event.durationMs, event.outputTail);
        }
    }
}
