package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonValue;
import java.time.Duration;
import java.util.Map;

/** A verb the agent runs on a host: one lifecycle script each, with a default time limit. */
public enum Action implements WireValue {
    INSTALL(Duration.ofMinutes(30)),
    START(Duration.ofMinutes(5)),
    STOP(Duration.ofMinutes(5)),
    RESTART(Duration.ofMinutes(10)),
    UNINSTALL(Duration.ofMinutes(10)),
    CHECK(Duration.ofSeconds(30));

    @JsonValue // declared here too: the OpenAPI scanner reads it only from the enum itself
    @Override
    public String wire() {
        return WireValue.super.wire();
    }

    private final Duration defaultTimeout;

    Action(Duration defaultTimeout) {
        this.defaultTimeout = defaultTimeout;
    }

    /** How long the script may run unless the resource (app.timeouts) or the agent's settings say otherwise. */
    public Duration defaultTimeout() {
        return defaultTimeout;
    }

    /** The time limit for this action given a resource's {@code app.timeouts} (seconds per action name). */
    public Duration timeout(Map<String, Integer> overrides, Duration fallback) {
        Integer seconds = overrides == null ? null : overrides.get(wire());
        return seconds != null ? Duration.ofSeconds(seconds) : fallback;
    }

    public static Action fromWire(String text) {
        return WireValue.require(Action.class, text);
    }
}
