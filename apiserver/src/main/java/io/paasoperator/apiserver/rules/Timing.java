package io.paasoperator.apiserver.rules;

import java.time.Duration;
import java.time.Instant;

/**
 * The time limits the rules apply.
 *
 * @param reportSilence no health report for this long marks an installed host {@code unknown}
 * @param startGrace after a successful start or restart script, how long the app may take to report healthy
 * @param stableAfter a host healthy for this long has its failure count forgotten (a crash loop never is)
 * @param resultPoll how long after an action is sent its agent is first asked for the result, in case the push is lost;
 *        the intervals between later asks double, up to {@code resultPollCap}
 * @param resultPollCap the longest interval between two asks for the result of one action
 */
public record Timing(Duration reportSilence, Duration startGrace, Duration stableAfter, Duration resultPoll,
        Duration resultPollCap) {

    public static final Timing DEFAULT = new Timing(Duration.ofSeconds(30), Duration.ofMinutes(2), Duration.ofSeconds(30),
            Duration.ofSeconds(30), Duration.ofMinutes(5));

    public Timing {
        if (resultPoll.isNegative() || resultPoll.isZero() || resultPollCap.compareTo(resultPoll) < 0) {
            throw new IllegalArgumentException("the result poll must be positive and at most its cap: " + resultPoll
                    + ", cap " + resultPollCap);
        }
    }

    /** Report silence is at least three check intervals (SPEC.md §4), whatever the configured minimum. */
    public Duration silenceFor(Integer checkIntervalSeconds) {
        if (checkIntervalSeconds == null) {
            return reportSilence;
        }
        Duration threeIntervals = Duration.ofSeconds(3L * checkIntervalSeconds);
        return threeIntervals.compareTo(reportSilence) > 0 ? threeIntervals : reportSilence;
    }

    /**
     * The asks for the result of an action sent at {@code since}: {@code resultPoll} after it, then at intervals that
     * double up to {@code resultPollCap}. Answers the latest ask due by {@code now} (null before the first) and the next
     * one after {@code now}.
     */
    public ResultPolls resultPolls(Instant since, Instant now) {
        Instant last = null;
        Instant next = since.plus(resultPoll);
        Duration interval = resultPoll;
        while (!next.isAfter(now) && interval.compareTo(resultPollCap) < 0) {
            last = next;
            interval = interval.multipliedBy(2);
            interval = interval.compareTo(resultPollCap) > 0 ? resultPollCap : interval;
            next = next.plus(interval);
        }
        if (!next.isAfter(now)) {
            // At the cap: every interval is the same from here on.
            long skipped = Duration.between(next, now).toNanos() / resultPollCap.toNanos();
            last = next.plus(resultPollCap.multipliedBy(skipped));
            next = last.plus(resultPollCap);
        }
        return new ResultPolls(last, next);
    }

    /** When an action's agent was due to be asked for its result last (null: not yet), and when it is next. */
    public record ResultPolls(Instant last, Instant next) {
    }
}
