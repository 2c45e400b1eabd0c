package io.paasoperator.apiserver.bootstrap;

import io.paasoperator.contract.AgentVersion;

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
