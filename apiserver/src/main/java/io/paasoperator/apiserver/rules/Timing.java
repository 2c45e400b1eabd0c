package io.paasoperator.apiserver.rules;

import java.time.Duration;

/**
 * The time limits the rules apply.
 *
 * @param reportSilence no health report for this long marks an installed host {@code unknown}
 * @param startGrace after a successful start or restart script, how long the app may take to report healthy
 * @param stableAfter a host healthy for this long has its failure count forgotten (a crash loop never is)
 */
public record Timing(Duration reportSilence, Duration startGrace, Duration stableAfter) {

    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(30));

    /** Report silence is at least three check intervals (SPEC.md §4), whatever the configured minimum. */
    public Duration silenceFor(Integer checkIntervalSeconds) {
        if (checkIntervalSeconds == null) {
            return reportSilence;
        }
        Duration threeIntervals = Duration.ofSeconds(3L * checkIntervalSeconds);
        return threeIntervals.compareTo(reportSilence) > 0 ? threeIntervals : reportSilence;
    }
}
