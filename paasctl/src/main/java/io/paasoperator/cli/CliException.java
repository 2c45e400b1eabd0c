package io.paasoperator.cli;

/** Ends a command with a message for a person (on stderr) and an {@link ExitCode}. Never carries a stack trace. */
final class CliException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    final int exitCode;

    CliException(int exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }
}
