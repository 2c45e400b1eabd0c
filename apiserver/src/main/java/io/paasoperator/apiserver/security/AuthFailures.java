package io.paasoperator.apiserver.security;

import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Slows down guessing: each client address may fail authentication {@code burst} times, then once per
 * {@code refill} interval; past that, its requests are refused (429) without their credentials being looked at, so a
 * token or an agent's secret cannot be guessed at wire speed. Memory is bounded: the addresses heard from least
 * recently are forgotten first. Each address is logged once per throttling, not per request.
 */
@Singleton
public class AuthFailures {

    private static final Logger LOG = Logger.getLogger(AuthFailures.class);
    static final int MAX_ADDRESSES = 10_000;

    /** Failures an address may still make now, and when the count was last topped up. */
    private static final class Allowance {
        double left;
        Instant at;
        boolean logged;

        Allowance(double left, Instant at) {
            this.left = left;
            this.at = at;
        }
    }

    private final int burst;
    private final Duration refill;
    private final Clock clock;
    private final Map<String, Allowance> byAddress = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Allowance> eldest) {
            return size() > MAX_ADDRESSES;
        }
    };

    public AuthFailures(@ConfigProperty(name = "paas.api.auth-failure-burst", defaultValue = "20") int burst,
            @ConfigProperty(name = "paas.api.auth-failure-refill", defaultValue = "PT1S") Duration refill, Clock clock) {
        this.burst = burst;
        this.refill = refill;
        this.clock = clock;
    }

    /** Seconds until {@code address} may try again; 0 when it may now. */
    public synchronized long waitSeconds(String address) {
        Allowance allowance = byAddress.get(address);
        if (allowance == null) {
            return 0;
        }
        topUp(allowance);
        if (allowance.left >= 1) {
            return 0;
        }
        double missing = 1 - allowance.left;
        return Math.max(1, (long) Math.ceil(missing * refill.toMillis() / 1000.0));
    }

    /** Counts a failed authentication from {@code address}. */
    public synchronized void failed(String address) {
        Allowance allowance = byAddress.computeIfAbsent(address, a -> new Allowance(burst, clock.instant()));
        topUp(allowance);
        allowance.left = Math.max(0, allowance.left - 1);
        if (allowance.left < 1 && !allowance.logged) {
            allowance.logged = true;
            LOG.warnf("%d failed authentications from %s: refusing its requests (429) until it slows down to one per %s",
                    burst, address, refill);
        }
    }

    /** How many addresses are being counted (bounded by {@link #MAX_ADDRESSES}). */
    synchronized int size() {
        return byAddress.size();
    }

    private void topUp(Allowance allowance) {
        Instant now = clock.instant();
        double earned = (double) Duration.between(allowance.at, now).toMillis() / refill.toMillis();
        if (earned > 0) {
            allowance.left = Math.min(burst, allowance.left + earned);
            allowance.at = now;
            if (allowance.left >= burst) {
                allowance.logged = false; // a full allowance again: a new bout of failures is worth a new line
            }
        }
    }
}
