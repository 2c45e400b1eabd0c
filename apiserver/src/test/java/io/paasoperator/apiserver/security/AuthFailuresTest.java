package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AuthFailuresTest {

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T00:00:00Z"));
    private final AuthFailures failures = new AuthFailures(3, Duration.ofSeconds(2), clock);

    @Test
    void anAddressMayFailItsBurstThenWaitsForTheAllowanceToGrowBack() {
        for (int i = 0; i < 3; i++) {
            assertEquals(0, failures.waitSeconds("10.0.0.1"));
            failures.failed("10.0.0.1");
        }
        assertEquals(2, failures.waitSeconds("10.0.0.1"), "one failure more takes one refill interval");
        assertEquals(0, failures.waitSeconds("10.0.0.2"), "other addresses are not affected");
        clock.advance(Duration.ofSeconds(1));
        assertEquals(1, failures.waitSeconds("10.0.0.1"));
        clock.advance(Duration.ofSeconds(1));
        assertEquals(0, failures.waitSeconds("10.0.0.1"), "one more try after one interval");
        failures.failed("10.0.0.1");
        assertEquals(2, failures.waitSeconds("10.0.0.1"), "and no more");
    }

    @Test
    void memoryStaysBoundedHoweverManyAddressesFail() {
        for (int i = 0; i < AuthFailures.MAX_ADDRESSES + 500; i++) {
            for (int j = 0; j < 3; j++) {
                failures.failed(addressOf(i));
            }
        }
        assertTrue(failures.waitSeconds(addressOf(AuthFailures.MAX_ADDRESSES + 499)) > 0, "the newest address is still counted");
        assertEquals(0, failures.waitSeconds(addressOf(0)), "the oldest is forgotten");
        assertTrue(failures.size() <= AuthFailures.MAX_ADDRESSES);
    }

    private static String addressOf(int i) {
        return "10." + (i >> 16) + "." + ((i >> 8) & 255) + "." + (i & 255);
    }
}
