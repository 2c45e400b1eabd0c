package io.paasoperator.apiserver.host;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A host the application is managed on, and how to reach it.
 *
 * @param auth one credential: used for SSH and to run the agent; two: {@code auth[1]} logs in over SSH and
 *     {@code auth[0]} runs the agent; none (left out) for a host whose agent is registered, never bootstrapped
 * @param become with two credentials, how the login account becomes the agent's: {@value #SU} (the default) or
 *     {@value #SUDO}
 */
public record HostSpec(
        String ip,
        @JsonProperty("ssh_port") Integer sshPort,
        @JsonProperty("agent_port") Integer agentPort,
        @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Credential> auth,
        @JsonInclude(JsonInclude.Include.NON_NULL) String become) {

    /** Auth left out is no auth: an empty list, never null. */
    public HostSpec {
        auth = auth == null ? List.of() : auth;
    }

    public static final int DEFAULT_SSH_PORT = 22;
    public static final int DEFAULT_AGENT_PORT = 3335;
    /** What a response shows for each password, private key and passphrase: they are write-only. */
    public static final String HIDDEN_PASSWORD = "******";
    public static final String SU = "su";
    public static final String SUDO = "sudo";

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    /** A host that becomes the agent's account the default way (su), or has one credential. */
    public HostSpec(String ip, Integer sshPort, Integer agentPort, List<Credential> auth) {
        this(ip, sshPort, agentPort, auth, null);
    }

    /**
     * An account on the host: a password, an SSH private key (OpenSSH or PEM text, with its passphrase if encrypted),
     * or both (the key logs in, the password answers sudo). Absent secrets are null, and left out of documents.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Credential(String username, String password, @JsonProperty("private_key") String privateKey,
            String passphrase) {

        public Credential(String username, String password) {
            this(username, password, null, null);
        }

        /** The same account with each secret it has replaced by {@code transform(secret)}. */
        public Credential mapSecrets(UnaryOperator<String> transform) {
            return new Credential(username, map(password, transform), map(privateKey, transform), map(passphrase, transform));
        }

        /** Its secrets that are there. */
        public Stream<String> secrets() {
            return Stream.of(password, privateKey, passphrase).filter(s -> s != null);
        }

        private static String map(String secret, UnaryOperator<String> transform) {
            return secret == null ? null : transform.apply(secret);
        }
    }

    public HostSpec withDefaults() {
        return new HostSpec(ip, sshPort != null ? sshPort : DEFAULT_SSH_PORT,
                agentPort != null ? agentPort : DEFAULT_AGENT_PORT, auth, become);
    }

    /** The same host with each password, private key and passphrase replaced by {@code transform(secret)}. */
    public HostSpec mapSecrets(UnaryOperator<String> transform) {
        return new HostSpec(ip, sshPort, agentPort, auth.stream().map(c -> c.mapSecrets(transform)).toList(), become);
    }

    /** The same host with other credentials (sealed or opened). */
    public HostSpec withAuth(List<Credential> credentials) {
        return new HostSpec(ip, sshPort, agentPort, credentials, become);
    }

    /** What any response shows: secrets are write-only. */
    public HostSpec redacted() {
        return mapSecrets(s -> HIDDEN_PASSWORD);
    }

    /** Whether the login account becomes the agent's with sudo (else su, or there is one account only). */
    public boolean becomesWithSudo() {
        return auth.size() > 1 && SUDO.equals(become);
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
