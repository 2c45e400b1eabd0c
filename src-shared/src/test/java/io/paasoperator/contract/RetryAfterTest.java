package io.paasoperator.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RetryAfterTest {

    static final Instant NOW = Instant.parse("2026-06-28T10:00:00Z");

    @Test
    void secondsOrAnHttpDateAreAWaitWithinBounds() {
        assertEquals(Optional.of(Duration.ofSeconds(2)), RetryAfter.parse("2", NOW));
        assertEquals(Optional.of(Duration.ofSeconds(2)), RetryAfter.parse(" 2 ", NOW));
        assertEquals(Optional.of(Duration.ofSeconds(90)), RetryAfter.parse("Sun, 28 Jun 2026 10:01:30 GMT", NOW));
        assertEquals(Optional.of(Duration.ZERO), RetryAfter.parse("Sun, 28 Jun 2026 09:00:00 GMT", NOW), "a date past");
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("86400", NOW));
        assertEquals(Optional.of(RetryAfter.MAX), RetryAfter.parse("99999999999999999999", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse(null, NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("-1", NOW));
        assertEquals(Optional.empty(), RetryAfter.parse("soon", NOW));
    }

    @Test
    void theWaitIsAtLeastWhatWasAskedAndAtMostHalfAsMuchAgain() {
        Random random = new Random(7);
        boolean spread = false;
        for (int i = 0; i < 200; i++) {
            Duration wait = RetryAfter.spread(Duration.ofSeconds(2), random);
            assertTrue(wait.compareTo(Duration.ofSeconds(2)) >= 0 && wait.compareTo(Duration.ofSeconds(3)) <= 0, wait.toString());
            spread |= !wait.equals(Duration.ofSeconds(2));
        }
        assertTrue(spread, "the waits differ");
        assertEquals(Duration.ZERO, RetryAfter.spread(Duration.ZERO, random));
    }
}
