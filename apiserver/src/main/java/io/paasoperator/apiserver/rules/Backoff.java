package io.paasoperator.apiserver.rules;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with jitter for failed steps: {@code base × 2^(failures-1)}, capped, then spread by ±{@code jitter}
 * so that many resources failing together do not retry together.
 */
public record Backoff(Duration base, Duration cap, double jitter) {

    public static final Backoff DEFAULT = new Backoff(Duration.ofSeconds(2), Duration.ofMinutes(5), 0.2);

    /** The wait before the next attempt after {@code failures} failures in a row (1 for the first). */
    public Duration delay(int failures, RandomGenerator random) {
        int doublings = Math.max(0, Math.min(failures - 1, 30));
        long millis = Math.min(cap.toMillis(), base.toMillis() << Math.min(doublings, 20));
        double spread = 1 + jitter * (2 * random.nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(millis * spread)));
    }
}
