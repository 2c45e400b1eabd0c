package io.paasoperator.cli;

/** The exit codes scripts can rely on (docs/cli.md lists them). */
public final class ExitCode {

    public static final int OK = 0;
    /** Anything else: the apiserver unreachable or failing (5xx), an unexpected answer. */
    public static final int ERROR = 1;
    /** The command line, or the input it names (a file to apply), is wrong; or the apiserver refused the input (400, 413). */
    public static final int USAGE = 2;
    /** The resource, host or operation does not exist (404). */
    public static final int NOT_FOUND = 3;
    /** No usable token, or the apiserver refused it (401), the role does not allow it (403), or too many failures (429). */
    public static final int AUTH = 4;
    /** A conflict (409) or a failed precondition (412: changed by someone else since it was read). */
    public static final int CONFLICT = 5;
    /** --wait gave up: the time ran out, or the resource failed. */
    public static final int WAIT_FAILED = 6;

    private ExitCode() {
    }

    /** The exit code for an error answer of the apiserver. */
    static int ofStatus(int status) {
        switch (status) {
            case 400:
            case 413:
            case 422:
                return USAGE;
            case 401:
            case 403:
            case 429:
                return AUTH;
            case 404:
                return NOT_FOUND;
            case 409:
            case 412:
                return CONFLICT;
            default:
                return ERROR;
        }
    }
}
