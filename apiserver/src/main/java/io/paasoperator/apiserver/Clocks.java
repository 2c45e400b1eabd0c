package io.paasoperator.apiserver;

import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;

/** The one clock the apiserver reads time from (the server's time zone): injected, so the engine's tests can fix it. */
final class Clocks {

    private Clocks() {
    }

    @Produces
    @Singleton
    static Clock system() {
        return Clock.systemDefaultZone();
    }
}
