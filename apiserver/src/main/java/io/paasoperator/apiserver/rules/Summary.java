package io.paasoperator.apiserver.rules;

import static io.paasoperator.contract.RealtimeState.FAILED;
import static io.paasoperator.contract.RealtimeState.NOT_INSTALLED;
import static io.paasoperator.contract.RealtimeState.RUNNING;
import static io.paasoperator.contract.RealtimeState.STOPPED;
import static io.paasoperator.contract.RealtimeState.UNINSTALLING;
import static io.paasoperator.contract.RealtimeState.UNKNOWN;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** What a resource's hosts add up to: its realtime state, its roll-out, and when it next needs looking at. */
public final class Summary {

    private Summary() {
    }

    /**
     * The resource's realtime (SPEC.md §4): the hosts' common state; when they differ, the worst one: {@code failed},
     * then {@code unknown}, then a transitional state (the first host's in list order), then the stable state furthest
     * from expect. Hosts being removed do not count; a resource being deleted reads {@code uninstalling} until gone.
     */
    public static RealtimeState realtime(Desired desired, List<HostState> hosts) {
        List<RealtimeState> states = hosts.stream().filter(h -> !h.removing()).map(HostState::realtime).toList();
        if (desired.deleting()) {
            return states.stream().allMatch(s -> s == NOT_INSTALLED) ? NOT_INSTALLED : UNINSTALLING;
        }
        if (states.isEmpty()) {
            return NOT_INSTALLED;
        }
        if (states.stream().distinct().count() == 1) {
            return states.get(0);
        }
        if (states.contains(FAILED)) {
            return FAILED;
        }
        if (states.contains(UNKNOWN)) {
            return UNKNOWN;
        }
        return states.stream().filter(Summary::transitional).findFirst()
                .orElseGet(() -> states.stream().reduce((a, b) -> distance(desired.expect(), b) > distance(desired.expect(), a) ? b : a)
                        .orElseThrow());
    }

    private static boolean transitional(RealtimeState state) {
        return state != NOT_INSTALLED && state != RUNNING && state != STOPPED && state != FAILED && state != UNKNOWN;
    }

    /** How many lifecycle steps lie between a stable state and the expected one (not-installed, stopped, running). */
    private static int distance(ExpectedState expect, RealtimeState state) {
        return Math.abs(position(state) - position(RealtimeState.of(expect)));
    }

    private static int position(RealtimeState stable) {
        return switch (stable) {
            case NOT_INSTALLED -> 0;
            case STOPPED -> 1;
            default -> 2;
        };
    }

    /**
     * The earliest time one of the hosts needs the reconciler: now when a step can be taken, the end of a wait
     * (backoff, start grace, report silence, an ask for an action's result, its deadline), or null when nothing will
     * come due by itself.
     */
    public static Instant dueAt(Desired desired, List<HostState> hosts, Instant now, Timing timing, Duration silence) {
        return dueAt(hosts.stream().map(host -> StateMachine.next(desired, hosts, host, now, timing, silence)).toList(), now);
    }

    /** {@link #dueAt} from the hosts' steps, once decided. */
    public static Instant dueAt(List<Step> steps, Instant now) {
        return steps.stream().map(step -> {
            if (step instanceof Step.Wait wait) {
                return wait.until();
            }
            if (step instanceof Step.Follow follow) {
                return follow.overdue() ? now : follow.lookAgain();
            }
            return now;
        }).filter(Objects::nonNull).min(Instant::compareTo).orElse(null);
    }

    /** A roll-out's progress, shown as {@code detail.rollout}; null when every host runs the current generation. */
    public static Rollout rollout(Desired desired, List<HostState> hosts) {
        List<HostState> members = hosts.stream().filter(h -> !h.removing()).toList();
        long updated = members.stream().filter(h -> h.generation() >= desired.generation()).count();
        boolean rolling = members.stream().anyMatch(h -> h.planned() == HostState.Planned.ROLLOUT);
        if (updated == members.size() && !rolling) {
            return null;
        }
        List<String> inProgress = members.stream().filter(h -> h.planned() != null).map(HostState::ip).toList();
        HostState failed = members.stream().filter(h -> h.planned() != null && h.failureCount() > 0).findFirst().orElse(null);
        return new Rollout(desired.generation(), desired.maxInFlight(), (int) updated, members.size(), inProgress,
                failed != null, failed == null ? null : failed.ip() + ": " + failed.lastError());
    }

    /**
     * @param updated hosts that run {@code generation}
     * @param inProgress hosts out of service for their turn now
     * @param paused a host of the turn failed: no further host is taken out until it recovers or the user asks anew
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"generation", "max_in_flight", "updated", "total", "in_progress", "paused"})
    public record Rollout(long generation, @JsonProperty("max_in_flight") int maxInFlight, int updated, int total,
            @JsonProperty("in_progress") List<String> inProgress, boolean paused, String reason) {
    }
}
