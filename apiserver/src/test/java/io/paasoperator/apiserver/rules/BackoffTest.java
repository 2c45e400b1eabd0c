package io.paasoperator.apiserver.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.random.RandomGenerator;
import org.junit.jupiter.api.Test;

class BackoffTest {

    /** A "random" source that always answers {@code value}: 0.5 is no jitter, 0 and 1 its two extremes. */
    private static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                return 0;
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    @Test
    void doublesFromTheBaseUpToTheCap() {
        Backoff backoff = Backoff.DEFAULT;
        assertEquals(Duration.ofSeconds(2), backoff.delay(1, fixed(0.5)));
        assertEquals(Duration.ofSeconds(4), backoff.delay(2, fixed(0.5)));
        assertEquals(Duration.ofSeconds(8), backoff.delay(3, fixed(0.5)));
        assertEquals(Duration.ofMinutes(5), backoff.delay(9, fixed(0.5)));
        assertEquals(Duration.ofMinutes(5), backoff.delay(1_000, fixed(0.5)), "no overflow however many failures");
    }

    @Test
    void jitterSpreadsWithinItsBounds() {
        Backoff backoff = Backoff.DEFAULT;
        assertEquals(Duration.ofMillis(1600), backoff.delay(1, fixed(0.0)));
        assertEquals(Duration.ofMillis(2400), backoff.delay(1, fixed(1.0)));
        for (int i = 0; i < 1000; i++) {
            long ms = backoff.delay(3, RandomGenerator.getDefault()).toMillis();
            assertTrue(ms >= 6400 && ms <= 9600, "8 s ± 20%, got " + ms);
        }
    }
}
