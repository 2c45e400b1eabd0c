package io.paasoperator.apiserver.agentclient;

/** A call to an agent that did not get the answer it needed; the message says why, for the resource's last_error. */
public class AgentCallException extends RuntimeException {

    public AgentCallException(String message) {
        super(message, null, false, false);
    }
}
