package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Instant;

/**
 * One action the agent accepted, and once it ended, its result. Retrievable by id after the call that started it
 * has long returned, and after an agent restart.
 *
 * @param outputTail the end of the script's stdout and stderr
 * @param reason why it failed, in words, when it did
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Operation(
        String id,
        String name,
        ResourceKind type,
        Action action,
        State state,
        @JsonProperty("started_at") Instant startedAt,
        @JsonProperty("finished_at") Instant finishedAt,
        @JsonProperty("exit_code") Integer exitCode,
        @JsonProperty("duration_ms") Long durationMs,
        @JsonProperty("output_tail") String outputTail,
        String reason) {

    public enum State implements WireValue {
        RUNNING,
        SUCCEEDED,
        FAILED,
        TIMED_OUT,
        /** The agent stopped (crash, kill, reboot) while the action ran: its outcome is unknown, never silently lost. */
        INTERRUPTED;

        @JsonValue // declared here too: the OpenAPI scanner reads it only from the enum itself
        @Override
        public String wire() {
            return WireValue.super.wire();
        }

        public boolean finished() {
            return this != RUNNING;
        }
    }

    public static Operation started(String id, String name, ResourceKind type, Action action, Instant at) {
        return new Operation(id, name, type, action, State.RUNNING, at, null, null, null, null, null);
    }

    public Operation finish(State outcome, Instant at, Integer exitCode, String outputTail, String reason) {
        return new Operation(id, name, type, action, outcome, startedAt, at, exitCode,
                at.toEpochMilli() - startedAt.toEpochMilli(), outputTail, reason);
    }

    public boolean succeeded() {
        return state == State.SUCCEEDED;
    }
}
