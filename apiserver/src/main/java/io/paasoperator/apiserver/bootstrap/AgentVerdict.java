package io.paasoperator.apiserver.bootstrap;

import io.paasoperator.contract.AgentVersion;
import java.time.Duration;

/**
 * Whether a host's agent can be used as it is, must be installed (again), or must not be touched: pure rules, no I/O.
 * An agent is installed when none answers (unless ours answered moments ago: its keeper restarts it), when the one
 * answering is not ours (no build, or we hold no secret for it), when it refused our secret, or when it runs another build of a release no newer than ours. A newer release is
 * left alone: during a rolling update, an older replica must not downgrade what a newer one installed.
 */
public final class AgentVerdict {

    public enum Verdict {
        USE, INSTALL, REFUSE,
        /** Nothing answers now, but our agent answered moments ago: its keeper is starting it again. Ask again later. */
        WAIT
    }

    /** The verdict and, for INSTALL and REFUSE, why (for the log, the host's record and the resource's error). */
    public record Decision(Verdict verdict, String why) {
    }

    /**
     * What this apiserver knows of the host.
     *
     * @param agentPort the port of the agent it installed, null when it installed none
     * @param holdsSecret whether it holds a secret for that agent
     * @param secretRefused whether the agent refused that secret since
     * @param answeredLately whether that agent answered within the restart grace
     */
    public record Known(Integer agentPort, boolean holdsSecret, boolean secretRefused, boolean answeredLately) {
        public static final Known NOTHING = new Known(null, false, false, false);
    }

    private AgentVerdict() {
    }

    /**
     * @param answer what {@code GET /version} answered at {@code where}; null when nothing answered
     * @param carriedVersion the release of the agent this apiserver carries
     * @param carriedBuild its build
     */
    public static Decision decide(String where, int wantedPort, Known known, AgentVersion answer, String carriedVersion,
            String carriedBuild) {
        if (known.agentPort() != null && known.agentPort() != wantedPort) {
            return new Decision(Verdict.REFUSE, "this host's agent listens on port " + known.agentPort()
                    + ", this resource names agent_port " + wantedPort + ": every resource on a host must name the same one");
        }
        if (answer == null) {
            if (known.holdsSecret() && known.answeredLately()) {
                return new Decision(Verdict.WAIT, "no agent answers at " + where + " (it did moments ago): its keeper is given"
                        + " time to start it again before it is installed again");
            }
            return new Decision(Verdict.INSTALL, "no agent answers at " + where);
        }
        if (answer.build() == null || !known.holdsSecret()) {
            return new Decision(Verdict.INSTALL, "the agent answering at " + where + " was not installed by this apiserver");
        }
        if (known.secretRefused()) {
            return new Decision(Verdict.INSTALL, "the agent at " + where + " refused this apiserver's secret");
        }
        if (!answer.build().equals(carriedBuild) && compareReleases(answer.version(), carriedVersion) <= 0) {
            return new Decision(Verdict.INSTALL, "the agent at " + where + " is build " + answer.build() + " of "
                    + answer.version() + "; this apiserver carries build " + carriedBuild + " of " + carriedVersion);
        }
        return new Decision(Verdict.USE, null);
    }

    /**
     * The verdict for an agent registered through the API, installed by other means: never INSTALL, since such a host is
     * not bootstrapped over SSH; where another agent would be installed, the step fails saying what to do instead. Its
     * build is whatever its installer made, so only releases are compared: one older than this apiserver's is refused.
     *
     * @param registeredPort the port it was registered with
     * @param secretRefused whether it refused the registered secret since
     */
    public static Decision decideRegistered(String ip, int wantedPort, int registeredPort, boolean secretRefused,
            AgentVersion answer, String carriedVersion) {
        String where = ip + ":" + wantedPort;
        if (registeredPort != wantedPort) {
            return new Decision(Verdict.REFUSE, "this host's agent was registered on port " + registeredPort
                    + ", this resource names agent_port " + wantedPort + ": every resource on a host must name that one");
        }
        if (answer == null) {
            return new Decision(Verdict.REFUSE, "the registered agent on " + where + " does not answer; it was installed by"
                    + " other means, so it is not bootstrapped over SSH: start it, or register the port it listens on");
        }
        if (secretRefused) {
            return new Decision(Verdict.REFUSE, registeredSecretRefused(ip, wantedPort));
        }
        if (compareReleases(answer.version(), carriedVersion) < 0) {
            return new Decision(Verdict.REFUSE, "the registered agent on " + where + " runs release " + answer.version()
                    + ", older than this apiserver's " + carriedVersion + "; it was installed by other means, so it is not"
                    + " upgraded over SSH: upgrade it the way it was installed");
        }
        return new Decision(Verdict.USE, null);
    }

    /** Why a registered agent that answered /version is not known to be usable: no call with its secret was answered. */
    public static String registeredSecretUnanswered(String ip, int port, Duration within) {
        return "the registered agent on " + ip + ":" + port + " answers /version but no call with its secret within "
                + within.toSeconds() + "s; it is looked at again when a resource needs it";
    }

    /** Why a registered agent is not used once it refused its secret, and what to do. */
    public static String registeredSecretRefused(String ip, int port) {
        return "the registered agent on " + ip + ":" + port + " refuses the registered secret: register it again with the"
                + " agent's secret (PUT /apis/v1alpha1/hosts/" + ip + ")";
    }

    /**
     * Orders releases like "1.2.10" and "1.3.0-SNAPSHOT": numbers compared as numbers, left to right; with equal
     * numbers, a qualified release (-SNAPSHOT, -rc1) comes before the plain one. Unreadable parts count as 0.
     */
    static int compareReleases(String a, String b) {
        String[] left = numbers(a);
        String[] right = numbers(b);
        for (int i = 0; i < Math.max(left.length, right.length); i++) {
            int difference = Long.compare(number(left, i), number(right, i));
            if (difference != 0) {
                return Integer.signum(difference);
            }
        }
        return Boolean.compare(!qualified(a), !qualified(b));
    }

    private static String[] numbers(String release) {
        String plain = release == null ? "" : release.split("-", 2)[0];
        return plain.isEmpty() ? new String[0] : plain.split("\\.");
    }

    private static long number(String[] parts, int index) {
        if (index >= parts.length) {
            return 0;
        }
        try {
            return Long.parseLong(parts[index]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean qualified(String release) {
        return release != null && release.contains("-");
    }
}
