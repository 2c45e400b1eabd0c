-- One row per host the apiserver has put an agent on (SPEC.md §6, §7): its pinned SSH host key, the agent's secret,
-- what was installed, and a lease so that one replica at a time bootstraps a host.
create table agent_host (
    ip                   text primary key,
    agent_port           integer     not null,
    -- The key the host's SSH server presented at first use ("ssh-ed25519 AAAA…"); later connections must present it.
    ssh_host_key         text,
    ssh_host_key_at      timestamptz,
    -- Sealed (AES-GCM, PAAS_SECRET_KEY) because the apiserver presents it to the agent; its SHA-256 recognises the
    -- agent's reports without opening anything.
    agent_secret         text,
    agent_secret_sha256  text unique,
    agent_account        text,
    agent_version        text,
    agent_build          text,
    installed_at         timestamptz,
    last_error           text,
    last_error_at        timestamptz,
    lease_holder         text,
    lease_until          timestamptz
);
