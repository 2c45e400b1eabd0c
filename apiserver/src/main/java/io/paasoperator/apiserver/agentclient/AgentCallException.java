package io.paasoperator.apiserver.agentclient;

/** A call to an agent that did not get the answer it needed; the message says why, for the resource's last_error. */
public class AgentCallException extends RuntimeException {

    /** How the call failed, for what to do next: an agent that is gone or refuses our secret is installed again. */
    public enum Failure {
        UNREACHABLE, SECRET_REFUSED, REFUSED
    }

    private final Failure failure;

    public AgentCallException(Failure failure, String message) {
        super(message, null, false, false);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
