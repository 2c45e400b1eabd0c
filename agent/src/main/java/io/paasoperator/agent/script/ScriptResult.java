package io.paasoperator.agent.script;

import java.time.Duration;

/** How a script ended. {@code exitCode} is -1 when it was killed for running too long. */
public record ScriptResult(int exitCode, boolean timedOut, Duration took, String output) {

    public boolean succeeded() {
        return !timedOut && exitCode == 0;
    }
}
