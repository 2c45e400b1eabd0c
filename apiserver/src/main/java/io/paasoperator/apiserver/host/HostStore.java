package io.paasoperator.apiserver.host;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.security.Secrets;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Stores {@link AgentHost} rows. Every write is one conditional statement, so concurrent replicas never overwrite each
 * other's work: a lease is taken only when free, a host key is pinned only when none is.
 */
@ApplicationScoped
public class HostStore {

    /** What {@link Heartbeat#read} reads a row of, from its second column. */
    private static final String HEARTBEAT_COLUMNS = "ip, reported_at, reported_apps";

    private final DatabaseWork database;

    public HostStore(DatabaseWork database) {
        this.database = database;
    }

    public Uni<AgentHost> get(String ip) {
        return database.read(() -> AgentHost.findById(ip));
    }

    public Uni<List<AgentHost>> list() {
        return database.read(() -> AgentHost.listAll(Sort.by("ip")));
    }

    /** A host's agent, known by its secret: the host's address, and its last heartbeat (null when it has none). */
    public record SecretHolder(String ip, Heartbeat heartbeat) {
    }

    /**
     * The agent that holds this secret; null when none does. Asked by every agent report, with the heartbeat a host's
     * report compares against: one statement on the pool, no session.
     */
    public Uni<SecretHolder> agentBySecret(String secret) {
        String hash = sha256Hex(secret);
        return database.query(sql -> sql.preparedQuery("select " + HEARTBEAT_COLUMNS + " from agent_host"
                        + " where agent_secret_sha256 = $1").execute(Tuple.of(hash)))
                .map(rows -> {
                    if (rows.size() == 0) {
                        return null;
                    }
                    Row row = rows.iterator().next();
                    return new SecretHolder(row.getString(0), Heartbeat.read(row, 1));
                });
    }

    /**
     * Takes the right to bootstrap {@code ip} until {@code until}, if no one holds it; creates the row on first use.
     * True when taken: one replica at a time installs on a host. Never taken for a registered host, should it have been
     * registered since its bootstrap was decided.
     */
    public Uni<Boolean> claimLease(String ip, int agentPort, String holder, Instant until, Instant now) {
        return database.transaction(() -> Panache.getSession()
                .chain(session -> session.createNativeQuery(
                                "insert into agent_host (ip, agent_port) values (:ip, :port) on conflict (ip) do nothing")
                        .setParameter("ip", ip).setParameter("port", agentPort).executeUpdate())
                .chain(() -> AgentHost.update("leaseHolder = :holder, leaseUntil = :until where ip = :ip"
                                + " and (leaseUntil is null or leaseUntil < :now) and registeredAt is null",
                        Parameters.with("holder", holder).and("until", until).and("ip", ip).and("now", now)))
                .map(updated -> updated == 1));
    }

    public Uni<Void> releaseLease(String ip, String holder) {
        return database.transaction(() -> AgentHost.update("leaseHolder = null, leaseUntil = null"
                + " where ip = :ip and leaseHolder = :holder", Parameters.with("ip", ip).and("holder", holder))).replaceWithVoid();
    }

    /**
     * Registers the agent of {@code ip}, installed by other means: its port and secret (sealed for use, hashed for
     * recognition) replace what was stored, a rotation; what a bootstrap recorded of an agent goes, as does the last
     * error. The pinned SSH host key stays. Refused while a bootstrap of the host is under way, and when another host's
     * agent holds the same secret (its reports would name two hosts).
     */
    public Uni<Registration> register(String ip, int agentPort, String sealedSecret, String secret, Instant now) {
        String hash = sha256Hex(secret);
        return database.transaction(() -> AgentHost.count("agentSecretSha256 = :hash and ip <> :ip",
                        Parameters.with("hash", hash).and("ip", ip))
                .chain(sharing -> sharing > 0 ? Uni.createFrom().item(Registration.SECRET_TAKEN) : Panache.getSession()
                        .chain(session -> session.createNativeQuery("insert into agent_host (ip, agent_port, agent_secret,"
                                        + " agent_secret_sha256, registered_at) values (:ip, :port, :sealed, :hash, :now)"
                                        + " on conflict (ip) do update set agent_port = excluded.agent_port,"
                                        + " agent_secret = excluded.agent_secret, agent_secret_sha256 = excluded.agent_secret_sha256,"
                                        + " registered_at = excluded.registered_at, agent_account = null, agent_version = null,"
                                        + " agent_build = null, installed_at = null, last_error = null, last_error_at = null"
                                        + " where agent_host.lease_until is null or agent_host.lease_until < :now")
                                .setParameter("ip", ip).setParameter("port", agentPort).setParameter("sealed", sealedSecret)
                                .setParameter("hash", hash).setParameter("now", now).executeUpdate())
                        .map(written -> written == 1 ? Registration.REGISTERED : Registration.BOOTSTRAP_UNDER_WAY)))
                // Another host registered with the same secret at the same moment: the unique hash decided.
                .onFailure(DatabaseWork::isUniqueViolation).recoverWithItem(Registration.SECRET_TAKEN);
    }

    /** How a registration went. */
    public enum Registration {
        REGISTERED, SECRET_TAKEN, BOOTSTRAP_UNDER_WAY
    }

    /** Pins the SSH host key seen at first use; a key already pinned is never replaced here (see {@link #unpin}). */
    public Uni<Void> pinIfUnpinned(String ip, String hostKey, Instant now) {
        return database.transaction(() -> AgentHost.update("sshHostKey = :key, sshHostKeyAt = :now"
                + " where ip = :ip and sshHostKey is null", Parameters.with("key", hostKey).and("now", now).and("ip", ip)))
                .replaceWithVoid();
    }

    /** Forgets the pinned key (an administrator's decision after a host was reinstalled); false when the host is unknown. */
    public Uni<Boolean> unpin(String ip) {
        return database.transaction(() -> AgentHost.update("sshHostKey = null, sshHostKeyAt = null where ip = :ip",
                Parameters.with("ip", ip))).map(updated -> updated == 1);
    }

    /** Forgets a host's record (pinned key, agent secret); false when there was none. */
    public Uni<Boolean> delete(String ip) {
        return database.transaction(() -> AgentHost.delete("ip", ip)).map(deleted -> deleted > 0);
    }

    /** The agent is installed with this secret (sealed for use, hashed for recognition). */
    public Uni<Void> recordInstall(String ip, Installed installed, String sealedSecret, String secret, Instant now) {
        return database.transaction(() -> AgentHost.update("agentPort = :port, agentSecret = :sealed,"
                        + " agentSecretSha256 = :hash, agentAccount = :account, agentVersion = :version, agentBuild = :build,"
                        + " installedAt = :now, lastError = null, lastErrorAt = null where ip = :ip",
                Parameters.with("port", installed.agentPort()).and("sealed", sealedSecret).and("hash", sha256Hex(secret))
                        .and("account", installed.account()).and("version", installed.version())
                        .and("build", installed.build()).and("now", now).and("ip", ip))).replaceWithVoid();
    }

    /**
     * The release and build a registered agent answered with when it was last verified, found usable: shown by GET
     * /hosts, with no error of before. Written only while the registration {@code registeredAt} is the current one (one
     * made since has its own look); true when written.
     */
    public Uni<Boolean> recordRegisteredAgent(String ip, Instant registeredAt, String version, String build) {
        return database.transaction(() -> AgentHost.update("agentVersion = :version, agentBuild = :build,"
                + " lastError = null, lastErrorAt = null where ip = :ip and registeredAt = :at",
                Parameters.with("version", version).and("build", build).and("ip", ip).and("at", registeredAt)))
                .map(updated -> updated == 1);
    }

    /** Why a registered agent cannot be used, written only while the registration {@code registeredAt} is current. */
    public Uni<Boolean> recordRegisteredError(String ip, Instant registeredAt, String reason, Instant now) {
        return database.transaction(() -> AgentHost.update("lastError = :reason, lastErrorAt = :now"
                + " where ip = :ip and registeredAt = :at",
                Parameters.with("reason", reason).and("now", now).and("ip", ip).and("at", registeredAt)))
                .map(updated -> updated == 1);
    }

    public Uni<Void> recordError(String ip, String reason, Instant now) {
        return database.transaction(() -> AgentHost.update("lastError = :reason, lastErrorAt = :now where ip = :ip",
                Parameters.with("reason", reason).and("now", now).and("ip", ip))).replaceWithVoid();
    }

    /** Replaces a sealed secret with the same secret sealed anew, if no one changed it meanwhile (key rotation). */
    public Uni<Boolean> reseal(String ip, String sealed, String resealed) {
        return database.transaction(() -> AgentHost.update("agentSecret = :resealed where ip = :ip and agentSecret = :sealed",
                Parameters.with("resealed", resealed).and("ip", ip).and("sealed", sealed))).map(updated -> updated == 1);
    }

    /**
     * When the agent of a host last reported, and for which applications ({@code "kind/name"}): while fresh, it stands
     * for a report of each of them, so that a report that changes nothing writes no resource.
     */
    public record Heartbeat(Instant at, Set<String> apps) {

        public static String app(String kind, String name) {
            return kind + "/" + name;
        }

        public boolean covers(String kind, String name) {
            return apps.contains(app(kind, name));
        }

        /**
         * The heartbeat in a row whose column {@code first} is {@code agent_host.reported_at} and the next one its
         * {@code reported_apps}; null when its agent has not reported by host.
         */
        public static Heartbeat read(Row row, int first) {
            String[] apps = row.getArrayOfStrings(first + 1);
            return apps == null ? null : new Heartbeat(row.getOffsetDateTime(first).toInstant(), Set.of(apps));
        }

        /** {@code host} of application {@code kind/name} as last heard of: its heartbeat's time when that covers it. */
        public static HostState heard(Map<String, Heartbeat> heartbeats, String kind, String name, HostState host) {
            Heartbeat beat = heartbeats.get(host.ip());
            return beat != null && beat.covers(kind, name) ? host.heardAt(beat.at()) : host;
        }
    }

    /**
     * The agent of {@code ip} reported at {@code at} for {@code apps}. SQL on the pool, as the other statements of a
     * report: one a host every interval, no session needed.
     */
    public Uni<Void> recordHeartbeat(String ip, Instant at, Set<String> apps) {
        return database.query(sql -> sql.preparedQuery("update agent_host set reported_at = $1, reported_apps = $2"
                        + " where ip = $3 and (reported_at is null or reported_at < $1)")
                .execute(Tuple.of(utc(at), new TreeSet<>(apps).toArray(String[]::new), ip))).replaceWithVoid();
    }

    /**
     * The applications of hosts whose agents have not reported since {@code before}, each host once per silence (a
     * report starts the next): an atomic claim, so that of several replicas one wakes them.
     */
    public Uni<List<String>> noticeSilent(Instant before, Instant now) {
        return database.sqlTransaction(sql -> sql.preparedQuery("update agent_host set silence_noticed_at = $1"
                        + " where reported_at < $2 and reported_apps is not null"
                        + " and (silence_noticed_at is null or silence_noticed_at < reported_at) returning reported_apps")
                .execute(Tuple.of(utc(now), utc(before))))
                .map(rows -> {
                    List<String> apps = new ArrayList<>();
                    rows.forEach(row -> apps.addAll(List.of(row.getArrayOfStrings(0))));
                    return apps;
                });
    }

    private static OffsetDateTime utc(Instant instant) {
        return instant.atOffset(ZoneOffset.UTC);
    }

    /** What an installation put on a host. */
    public record Installed(int agentPort, String account, String version, String build) {
    }

    static String sha256Hex(String secret) {
        return HexFormat.of().formatHex(Secrets.sha256(secret));
    }
}
