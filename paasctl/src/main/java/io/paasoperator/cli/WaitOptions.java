package io.paasoperator.cli;

import picocli.CommandLine.Option;

/** --wait and --timeout, for the commands that change a state. */
final class WaitOptions {

    @Option(names = "--wait", description = "Block until it is done, with a progress line on stderr; exit 6 on a timeout or"
            + " a failure")
    boolean wait;

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "5m",
            description = "How long --wait waits: 90s, 5m, 1h (default 5m)")
    String timeout;
}
