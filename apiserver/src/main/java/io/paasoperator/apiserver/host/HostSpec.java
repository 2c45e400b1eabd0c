package io.paasoperator.apiserver.host;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * A host the application is managed on, and how to reach it.
 *
 * @param auth one pair: used for SSH and to run the agent; two: {@code auth[1]} logs in over SSH and
 *     {@code auth[0]} runs the agent; none (left out) for a host whose agent is registered, never bootstrapped
 */
public record HostSpec(
        String ip,
        @JsonProperty("ssh_port") Integer sshPort,
        @JsonProperty("agent_port") Integer agentPort,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Credential> auth) {

    /** Auth left out is no auth: an empty list, never null. */
    public HostSpec {
        auth = auth == null ? List.of() : auth;
    }

    public static final int DEFAULT_SSH_PORT = 22;
    public static final int DEFAULT_AGENT_PORT = 3335;
    public static final String HIDDEN_PASSWORD = "******";

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

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

    /** Hosts are known by an address literal: never resolved, so no DNS lookup can block or leak. */
    public static boolean isIpLiteral(String ip) {
        if (IPV4.matcher(ip).matches()) {
            return true;
        }
        if (!ip.contains(":") || !IPV6_CHARS.matcher(ip).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(ip) != null; // a literal with ':' is parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
