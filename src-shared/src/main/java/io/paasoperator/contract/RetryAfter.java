package io.paasoperator.contract;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * The apiserver's {@code Retry-After} (RFC 9110 §10.2.3) as the agents read it: the apiserver is busy (or its database
 * restarts) and says when to send the same report or result again. Agents wait that long, and do not count it as a
 * failed delivery.
 */
public final class RetryAfter {

    /** The longest wait one answer can impose: a wrong value never silences an agent for long. */
    public static final Duration MAX = Duration.ofMinutes(5);

    private RetryAfter() {
    }

    /** The wait a {@code Retry-After} value asks for (seconds, or an HTTP date); empty when absent or unreadable. */
    public static Optional<Duration> parse(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String trimmed = value.trim();
        Duration wait;
        if (trimmed.chars().allMatch(Character::isDigit)) {
            wait = trimmed.length() > 9 ? MAX : Duration.ofSeconds(Long.parseLong(trimmed));
        } else {
            try {
                wait = Duration.between(now, ZonedDateTime.parse(trimmed, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException unreadable) {
                return Optional.empty();
            }
        }
        return Optional.of(wait.isNegative() ? Duration.ZERO : wait.compareTo(MAX) > 0 ? MAX : wait);
    }

    /**
     * How long to wait before sending again: {@code retryAfter}, plus up to half of it again, at random, so that the
     * agents refused together do not all come back together.
     */
    public static Duration spread(Duration retryAfter, RandomGenerator random) {
        long millis = retryAfter.toMillis();
        return Duration.ofMillis(millis + (millis < 2 ? 0 : random.nextLong(millis / 2 + 1)));
    }
}
