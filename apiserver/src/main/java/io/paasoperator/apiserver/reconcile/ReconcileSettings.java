package io.paasoperator.apiserver.reconcile;

import io.paasoperator.apiserver.rules.Timing;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The reconciler's settings (paas.reconcile.*, or PAAS_RECONCILE_*): see README, "The reconciler". */
@ConfigMapping(prefix = "paas.reconcile")
public interface ReconcileSettings {

    /** Off only for tests of the API alone; end-to-end tests run it for real. */
    @WithDefault("true")
    boolean enabled();

    /** No health report for this long (and at least three check intervals) marks an installed host unknown. */
    @WithDefault("30s")
    Duration reportSilence();

    /** After a successful start or restart script, how long the application may take to report healthy. */
    @WithDefault("2m")
    Duration startGrace();

    /** A host healthy this long has its failure count forgotten; a crash loop never gets there, and keeps backing off. */
    @WithDefault("30s")
    Duration stableAfter();

    /** Beyond an action's own time limit, how long its result may take to arrive before the step is failed. */
    @WithDefault("30s")
    Duration resultGrace();

    /**
     * How long after an action is sent its agent is first asked for the result, in case the push was lost (the agent
     * gave up, the apiserver was overloaded or restarting); later asks come at doubling intervals.
     */
    @WithDefault("30s")
    Duration resultPoll();

    /** The longest interval between two asks for the result of one action in flight. */
    @WithDefault("5m")
    Duration resultPollCap();

    /** Passes running at once on this replica. */
    @WithDefault("64")
    int maxConcurrent();

    /** Actions in flight on one host at a time, across all replicas. */
    @WithDefault("4")
    int maxPerHost();

    /** Interval of the agents' health checks, handed to them with every request. */
    @WithDefault("10s")
    Duration checkInterval();

    /** How often this replica asks the database for resources whose due time has come. */
    @WithDefault("1s")
    Duration duePoll();

    /** Resources taken per due poll. */
    @WithDefault("256")
    int dueBatch();

    /** A resource taken from the due list is not handed to another replica for this long (its pass sets the real time). */
    @WithDefault("30s")
    Duration dueClaim();

    /** First retry delay of a failed step; it doubles with each failure in a row, up to {@link #backoffCap}. */
    @WithDefault("2s")
    Duration backoffBase();

    @WithDefault("5m")
    Duration backoffCap();

    /**
     * How often this replica looks for hosts whose agents stopped sending their reports (a few times per silence): their
     * applications, heard through the host's heartbeat, are then looked at.
     */
    default Duration silenceSweep() {
        Duration third = reportSilence().dividedBy(3);
        return third.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5)
                : third.compareTo(Duration.ofMillis(500)) < 0 ? Duration.ofMillis(500) : third;
    }

    default Timing timing() {
        return new Timing(reportSilence(), startGrace(), stableAfter(), resultPoll(), resultPollCap());
    }
}
