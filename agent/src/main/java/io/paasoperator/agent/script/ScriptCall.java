package io.paasoperator.agent.script;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * One script to run: in {@code appHome}, with exactly {@code environment}, for at most {@code timeout}, its stdout and
 * stderr going to {@code log}.
 */
public record ScriptCall(Path appHome, String script, Map<String, String> environment, Duration timeout, Path log) {
}
