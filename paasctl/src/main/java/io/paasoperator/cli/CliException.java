package io.paasoperator.cli;

/** Ends a command with a message for a person (on stderr) and an {@link ExitCode}. Never carries a stack trace. */
class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    /** The apiserver could not be reached at all (refused, or no answer to the connection): it may be restarting. */
    static final class Unreachable extends CliException {

        private static final long serialVersionUID = 1L;

        Unreachable(String message) {
            super(ExitCode.ERROR, message);
        }
    }
}
