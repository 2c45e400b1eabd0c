package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import java.time.Duration;
import java.util.function.Predicate;

/**
 * --wait: reads the resource every {@link #POLL} until it is where the command wanted it, showing its realtime state on
 * one progress line (stderr); gives up with exit 6 when the time runs out or the resource turns failed after the
 * command (a failure from before it does not count: the apiserver is trying again).
 */
final class Waiter {

    static final Duration POLL = Duration.ofMillis(500);

    private final Api api;
    private final ResourceKind kind;
    private final String name;
    private final Duration timeout;
    private final Progress progress = new Progress();

    Waiter(Api api, ResourceKind kind, String name, Duration timeout) {
        this.api = api;
        this.kind = kind;
        this.name = name;
        this.timeout = timeout;
    }

    /** The resource as it is now (for {@link #failedSince} before the command). */
    JsonNode read() {
        return api.ok(api.get(Api.resourcePath(kind, name)), 200).json();
    }

    /** realtime_since of a resource: a failure with another one is a new failure. */
    static String failedSince(JsonNode resource) {
        return resource.path("detail").path("realtime_since").asText("");
    }

    /** Until {@code done} holds for the resource; {@code before} is the resource as it was before the command. */
    JsonNode until(String goal, Predicate<JsonNode> done, JsonNode before) {
        long start = System.nanoTime();
        String sinceBefore = failedSince(before);
        while (true) {
            JsonNode resource = read();
            String realtime = Resources.realtime(resource);
            if (done.test(resource)) {
                progress.done(kind.wire() + "/" + name + " is " + goal + " (" + elapsed(start) + ")");
                return resource;
            }
            if (realtime.equals("failed") && !failedSince(resource).equals(sinceBefore)) {
                progress.done(kind.wire() + "/" + name + " failed (" + elapsed(start) + ")");
                throw new CliException(ExitCode.WAIT_FAILED, kind.wire() + "/" + name + " failed on its way to " + goal
                        + Resources.hostErrors(resource) + "\nthe apiserver tries again after a backoff: paasctl events "
                        + kind.wire() + " " + name);
            }
            progress.show("waiting for " + kind.wire() + "/" + name + " to be " + goal + ": realtime " + realtime
                    + " (" + elapsed(start) + ")");
            checkTime(start, goal, realtime);
            pause();
        }
    }

    /** Until the resource is gone (a delete with --uninstall). */
    void untilGone() {
        long start = System.nanoTime();
        while (true) {
            Api.Answer answer = api.get(Api.resourcePath(kind, name));
            if (answer.status() == 404) {
                progress.done(kind.wire() + "/" + name + " is uninstalled and deleted (" + elapsed(start) + ")");
                return;
            }
            String realtime = Resources.realtime(api.ok(answer, 200).json());
            progress.show("waiting for " + kind.wire() + "/" + name + " to be uninstalled: realtime " + realtime + " ("
                    + elapsed(start) + ")");
            checkTime(start, "uninstalled", realtime);
            pause();
        }
    }

    private void checkTime(long start, String goal, String realtime) {
        if (System.nanoTime() - start > timeout.toNanos()) {
            progress.done("");
            throw new CliException(ExitCode.WAIT_FAILED, "timed out after " + elapsed(start) + ": " + kind.wire() + "/" + name
                    + " is still " + realtime + ", not " + goal + " (--timeout " + timeout.toSeconds() + "s)");
        }
    }

    private static String elapsed(long start) {
        return (System.nanoTime() - start) / 1_000_000_000L + "s";
    }

    private static void pause() {
        try {
            Thread.sleep(POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        }
    }

    /** Parses --timeout: 90, 90s, 5m or 1h. */
    static Duration timeout(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d{1,6})([smh]?)").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new CliException(ExitCode.USAGE, "--timeout '" + Text.clean(text) + "' is not a duration like 90s, 5m or 1h");
        }
        long amount = Long.parseLong(m.group(1));
        switch (m.group(2)) {
            case "m":
                return Duration.ofMinutes(amount);
            case "h":
                return Duration.ofHours(amount);
            default:
                return Duration.ofSeconds(amount);
        }
    }

    /**
     * The progress line on stderr: rewritten in place on a terminal; elsewhere (a log, a pipe) a line each time what it
     * says changes, not at every poll.
     */
    static final class Progress {
        private final boolean terminal = System.console() != null;
        private String last = "";

        void show(String line) {
            String state = line.replaceAll(" \\(\\d+s\\)$", "");
            if (terminal) {
                System.err.print("\r\033[K" + line);
                System.err.flush();
            } else if (!state.equals(last)) {
                System.err.println(line);
            }
            last = state;
        }

        void done(String line) {
            if (terminal) {
                System.err.print("\r\033[K");
            }
            if (!line.isEmpty()) {
                System.err.println(line);
            }
        }
    }
}
