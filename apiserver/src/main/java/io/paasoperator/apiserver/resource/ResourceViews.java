package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.paasoperator.apiserver.history.ResourceEvent;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.Summary;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Instant;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** The shapes the API answers with. The full object keeps the seed's layout; what the seed lacks sits under {@code detail}. */
public final class ResourceViews {

    private ResourceViews() {
    }

    @Schema(requiredProperties = {"expect", "realtime"})
    public record Status(ExpectedState expect, RealtimeState realtime) {
    }

    /** The seed's answer to GET status and to PUT: {@code {"name","status":{"expect","realtime"}}}. */
    @Schema(requiredProperties = {"name", "status"})
    public record StatusView(String name, Status status) {
        public static StatusView of(ResourceRecord record) {
            return new StatusView(record.name, new Status(record.expect, record.realtime));
        }
    }

    @Schema(requiredProperties = {"repo_url", "install", "start", "stop", "check", "uninstall", "status"})
    public record AppView(@JsonUnwrapped AppSpec spec, Status status) {
    }

    /**
     * What the seed's object lacks: the record's version, the spec generation hosts should run, each host's state
     * ({@code hosts}) and a roll-out's progress ({@code rollout}, absent when every host runs the current generation).
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"version", "generation", "created_at", "updated_at", "realtime_since", "hosts"})
    public record Detail(
            long version,
            long generation,
            @JsonProperty("created_at") Instant createdAt,
            @JsonProperty("updated_at") Instant updatedAt,
            @JsonProperty("realtime_since") Instant realtimeSince,
            Boolean deleting,
            List<HostState> hosts,
            Summary.Rollout rollout) {
    }

    /** The full object. Passwords, private keys and passphrases read {@value HostSpec#HIDDEN_PASSWORD}. */
    @Schema(requiredProperties = {"name", "type", "host", "app", "detail"})
    public record ResourceView(String name, String type, List<HostSpec> host, AppView app, Detail detail) {
    }

    /** One page of a list; {@code continue} is the value to pass for the next page, absent on the last. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = "items")
    public record ResourcePage(List<ResourceView> items, @JsonProperty("continue") String next) {
    }

    @Schema(requiredProperties = {"name", "message"})
    public record DeleteResult(String name, String message) {
    }

    /** @param log for an event with an operation id: where that operation's whole log is read, on the host that ran it */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"at", "type"})
    public record EventView(Instant at, String type, String host, String from, String to, String cause, String actor, String message,
            @JsonProperty("operation_id") String operationId, @JsonProperty("exit_code") Integer exitCode,
            @JsonProperty("duration_ms") Long durationMs, @JsonProperty("output_tail") String outputTail,
            @Schema(description = "The operation's whole log: GET it (text/plain)") String log) {
        public static EventView of(ResourceEvent event) {
            return new EventView(event.at, event.type, event.host, event.oldValue, event.newValue, event.cause, event.actor, event.message,
                    event.operationId, event.exitCode, event.durationMs, event.outputTail, logLink(event));
        }

        private static String logLink(ResourceEvent event) {
            if (event.operationId == null) {
                return null;
            }
            // Kind, name, id and host are all plain URL text (naming rules, an address literal): nothing to escape.
            return "/apis/v1alpha1/" + event.kind + "/" + event.name + "/operations/" + event.operationId + "/log"
                    + (event.host == null ? "" : "?host=" + event.host);
        }
    }
}
