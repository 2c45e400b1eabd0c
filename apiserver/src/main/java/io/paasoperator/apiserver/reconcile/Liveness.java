package io.paasoperator.apiserver.reconcile;

import io.paasoperator.apiserver.host.HostStore.Heartbeat;
import io.paasoperator.apiserver.rules.Desired;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.StateMachine;
import io.paasoperator.apiserver.rules.Step;
import io.paasoperator.apiserver.rules.Timing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * When one resource's hosts were last heard from (SPEC.md §4, report silence), for the rules. A health report that
 * changes nothing is not written to the resource: the heartbeat of its host (when the agent last reported, and for which
 * applications) stands for it. While that heartbeat is fresh the resource does not time its silence; when it goes stale,
 * {@link Reconciler} wakes the host's applications, and from then on the heartbeat's time counts as their last report.
 */
final class Liveness {

    private final Map<String, Heartbeat> heartbeats;
    private final String kind;
    private final String name;
    private final Duration silence;
    private final Duration watchedFor;
    private final Instant now;

    /**
     * @param silence this application's report silence
     * @param watchedFor how long a heartbeat stands for its applications before they are woken (the base silence)
     */
    Liveness(Map<String, Heartbeat> heartbeats, String kind, String name, Duration silence, Duration watchedFor, Instant now) {
        this.heartbeats = heartbeats;
        this.kind = kind;
        this.name = name;
        this.silence = silence;
        this.watchedFor = watchedFor;
        this.now = now;
    }

    /** The host as last heard of: its own last report, or its heartbeat's when later and covering this application. */
    HostState heard(HostState host) {
        return Heartbeat.heard(heartbeats, kind, name, host);
    }

    /** The silence the rules time for {@code host}: none while a fresh heartbeat covers it (its end wakes us instead). */
    Duration silence(HostState host) {
        Heartbeat beat = heartbeats.get(host.ip());
        boolean watched = beat != null && beat.covers(kind, name) && now.isBefore(beat.at().plus(watchedFor));
        return watched ? null : silence;
    }

    Step next(Desired desired, List<HostState> hosts, HostState host, Timing timing) {
        return StateMachine.next(desired, hosts.stream().map(this::heard).toList(), heard(host), now, timing, silence(host));
    }

    List<Step> steps(Desired desired, List<HostState> hosts, Timing timing) {
        return hosts.stream().map(host -> next(desired, hosts, host, timing)).toList();
    }
}
