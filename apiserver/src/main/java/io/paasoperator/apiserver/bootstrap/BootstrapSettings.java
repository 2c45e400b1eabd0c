package io.paasoperator.apiserver.bootstrap;

import io.smallrye.config.ConfigMapping;
import java.time.Duration;
import java.util.Optional;

/** The SSH bootstrap's settings (paas.bootstrap.*, or PAAS_BOOTSTRAP_*): see README, "Hosts and the SSH bootstrap". */
@ConfigMapping(prefix = "paas.bootstrap")
public interface BootstrapSettings {

    Duration connectTimeout();

    /** Each remote command, the upload of the agent included. */
    Duration commandTimeout();

    /** Attempts to reach an SSH server that refuses or does not answer. */
    int connectAttempts();

    /** How long a freshly installed agent may take to answer. */
    Duration answerTimeout();

    /** Hosts bootstrapped at once by this replica. */
    int maxParallel();

    /** One replica bootstraps a host at a time; a lease older than this is taken over. */
    Duration lease();

    /** How long a verified agent is trusted before it is looked at again. */
    Duration verifyEvery();

    /** How long an agent that answered and then fell silent is left to its keeper before it is installed again. */
    Duration restartGrace();

    /** The address agents listen on; absent, the host's IP from the resource. */
    Optional<String> agentBind();
}
