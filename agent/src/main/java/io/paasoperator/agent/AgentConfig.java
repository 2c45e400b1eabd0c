package io.paasoperator.agent;

import io.paasoperator.contract.Action;
import io.smallrye.config.ConfigMapping;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The agent's settings; each is also an environment variable (agent.home is AGENT_HOME, and so on). */
@ConfigMapping(prefix = "agent")
public interface AgentConfig {

    /** Applications' directories and the agent's records of them. */
    Optional<Path> home();

    /** The secret the apiserver gave this host: calls must carry it as a bearer token. */
    Optional<String> secret();

    /** The bundle the apiserver's bootstrap installed (AGENT_BUILD), reported on /version; absent when started by hand. */
    Optional<String> build();

    /** Accept calls without a secret: for local trials only. */
    boolean insecure();

    /** Default time between two health checks of an application. */
    Duration checkInterval();

    /** Time between two reports of this host's verdicts to the apiserver when nothing changes (AGENT_REPORT_INTERVAL). */
    Duration reportInterval();

    /** How long a timed-out script's processes get between SIGTERM and SIGKILL. */
    Duration killGrace();

    long logMaxBytes();

    int logKeep();

    /** Time limit per action (install, start, …) where it differs from {@link Action#defaultTimeout()}; a resource may override it. */
    Map<String, Duration> timeout();

    default Duration timeoutFor(Action action, Map<String, Integer> overrides) {
        return action.timeout(overrides, timeout().getOrDefault(action.wire(), action.defaultTimeout()));
    }

    default Path resolvedHome() {
        return home().orElseGet(() -> "root".equals(System.getProperty("user.name"))
                ? Path.of("/var/lib/paas-agent")
                : Path.of(System.getProperty("user.home"), ".paas-agent"));
    }
}
