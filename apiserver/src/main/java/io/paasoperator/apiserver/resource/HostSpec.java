package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * A host the application is managed on, and how to reach it.
 *
 * @param auth one pair: used for SSH and to run the agent; two: {@code auth[1]} logs in over SSH and
 *     {@code auth[0]} runs the agent
 */
public record HostSpec(
        String ip,
        @JsonProperty("ssh_port") Integer sshPort,
        @JsonProperty("agent_port") Integer agentPort,
        List<Credential> auth) {

    public static final int DEFAULT_SSH_PORT = 22;
    public static final int DEFAULT_AGENT_PORT = 3335;
    public static final String HIDDEN_PASSWORD = "******";

    public record Credential(String username, String password) {
    }

    public HostSpec withDefaults() {
        return new HostSpec(ip, sshPort != null ? sshPort : DEFAULT_SSH_PORT,
                agentPort != null ? agentPort : DEFAULT_AGENT_PORT, auth);
    }

    /** The same host with each password replaced by {@code transform(password)}. */
    public HostSpec mapPasswords(UnaryOperator<String> transform) {
        return new HostSpec(ip, sshPort, agentPort,
                auth.stream().map(c -> new Credential(c.username(), transform.apply(c.password()))).toList());
    }

    /** What any response shows: passwords are write-only. */
    public HostSpec redacted() {
        return mapPasswords(p -> HIDDEN_PASSWORD);
    }
}
