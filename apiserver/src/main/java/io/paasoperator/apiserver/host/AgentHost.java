package io.paasoperator.apiserver.host;

import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * A host the apiserver put an agent on, or whose agent was registered (installed by other means): the SSH host key
 * pinned at first use, the agent's secret (sealed, and its SHA-256 to recognise reports), what was installed, and the
 * bootstrap lease. Written only by {@link HostStore}.
 */
@Entity
@Table(name = "agent_host")
public class AgentHost extends PanacheEntityBase {

    @Id
    public String ip;

    @Column(name = "agent_port", nullable = false)
    public int agentPort;

    /** OpenSSH public-key line ("ssh-ed25519 AAAA…") of the host's SSH server, pinned at first use. */
    @Column(name = "ssh_host_key")
    public String sshHostKey;

    @Column(name = "ssh_host_key_at")
    public Instant sshHostKeyAt;

    /** Sealed with {@link io.paasoperator.apiserver.security.SecretCipher}: presented to the agent on every call. */
    @Column(name = "agent_secret")
    public String agentSecret;

    @Column(name = "agent_secret_sha256")
    public String agentSecretSha256;

    @Column(name = "agent_account")
    public String agentAccount;

    @Column(name = "agent_version")
    public String agentVersion;

    @Column(name = "agent_build")
    public String agentBuild;

    @Column(name = "installed_at")
    public Instant installedAt;

    /** When the agent was registered; null for an agent the bootstrap installed. A registered host is never bootstrapped. */
    @Column(name = "registered_at")
    public Instant registeredAt;

    @Column(name = "last_error")
    public String lastError;

    @Column(name = "last_error_at")
    public Instant lastErrorAt;

    @Column(name = "lease_holder")
    public String leaseHolder;

    @Column(name = "lease_until")
    public Instant leaseUntil;

    public boolean registered() {
        return registeredAt != null;
    }
}
