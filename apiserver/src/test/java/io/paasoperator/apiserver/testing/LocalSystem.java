package io.paasoperator.apiserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.localdb.LocalPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The whole system on one machine: a PostgreSQL for the apiserver, a repository of script sets over HTTP (the
 * project's examples plus the tests' own), two hosts with nothing but an SSH server on 127.0.0.2 and 127.0.0.3 (the
 * apiserver installs their agents itself), and the packaged apiserver behind a {@link ServiceFront}, as behind a
 * Kubernetes Service.
 */
public final class LocalSystem implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    public final Path work;
    public final LocalPostgres database;
    public final FileRepository repo;
    public final SshTestHost host2;
    public final SshTestHost host3;
    public final ServiceFront service;
    public final Map<String, String> apiserverEnv;
    public final ApiserverProcess apiserver;
    private final List<SshTestHost> extraHosts = new java.util.ArrayList<>();

    private LocalSystem(Path work, LocalPostgres database, FileRepository repo, SshTestHost host2, SshTestHost host3,
            ServiceFront service, Map<String, String> apiserverEnv, ApiserverProcess apiserver) {
        this.work = work;
        this.database = database;
        this.repo = repo;
        this.host2 = host2;
        this.host3 = host3;
        this.service = service;
        this.apiserverEnv = apiserverEnv;
        this.apiserver = apiserver;
    }

    public static LocalSystem start(String name) throws Exception {
        return start(name, Map.of());
    }

    /** The same, with {@code settings} (PAAS_RECONCILE_REPORT_SILENCE, say) added to the apiserver's environment. */
    public static LocalSystem start(String name, Map<String, String> settings) throws Exception {
        return start(name, settings, true);
    }

    /**
     * The system without the two SSH hosts ({@link #host2} and {@link #host3} are null): for tests whose agents are
     * registered, on loopback addresses of their own.
     */
    public static LocalSystem startWithoutSshHosts(String name, Map<String, String> settings) throws Exception {
        return start(name, settings, false);
    }

    private static LocalSystem start(String name, Map<String, String> settings, boolean sshHosts) throws Exception {
        // World-traversable: a root agent runs PostgreSQL as the postgres account, which must reach its directory.
        Path work = traversable(Files.createTempDirectory("paas-" + name + "-"));
        LocalPostgres database = LocalPostgres.start(Path.of("target").toAbsolutePath().resolve(name + "-db-" + ProcessHandle.current().pid()));
        Path repoRoot = Files.createDirectories(work.resolve("repo"));
        copyTree(Path.of("..", "examples", "repo"), repoRoot);
        copyResource("repo/counter", repoRoot.resolve("counter"), "install.sh", "start.sh", "stop.sh", "check.sh", "uninstall.sh");
        copyResource("repo/daemon", repoRoot.resolve("daemon"), "install.sh", "start.sh", "stop.sh", "check.sh", "uninstall.sh");
        FileRepository repo = new FileRepository(repoRoot);
        SshTestHost host2 = sshHosts ? SshTestHost.start("127.0.0.2", traversable(work.resolve("host2"))) : null;
        SshTestHost host3 = sshHosts ? SshTestHost.start("127.0.0.3", traversable(work.resolve("host3"))) : null;
        int port = ApiserverProcess.freePort();
        ServiceFront service = new ServiceFront();
        service.addBackend(port);
        Map<String, String> env = new HashMap<>(ApiserverProcess.externalDatabase(database));
        env.put("OPERATOR_IP", "127.0.0.1");
        env.put("OPERATOR_PORT", String.valueOf(service.port()));
        env.put("PAAS_RECONCILE_CHECK_INTERVAL", "1s");
        env.put("PAAS_RECONCILE_MAX_PER_HOST", "2");
        env.put("PAAS_AGENT_EXECUTABLE", ApiserverProcess.AGENT_JAR.toString());
        // Replicas share the key that seals host passwords and agents' secrets, as a Kubernetes Secret gives them.
        byte[] key = new byte[32];
        new SecureRandom().nextBytes(key);
        env.put("PAAS_SECRET_KEY", Base64.getEncoder().encodeToString(key));
        env.putAll(settings);
        ApiserverProcess apiserver = ApiserverProcess.start(work.resolve("apiserver-a"), port, env, name + "-apiserver-a.log");
        return new LocalSystem(work, database, repo, host2, host3, service, env, apiserver);
    }

    /** One more host with nothing but an SSH server, on {@code ip}; closed with the system. */
    public SshTestHost startHost(String ip) throws Exception {
        SshTestHost host = SshTestHost.start(ip, traversable(work.resolve("host-" + ip)));
        extraHosts.add(host);
        return host;
    }

    /** Another replica on the same database, behind the same front. */
    public ApiserverProcess startReplica(String logName) throws Exception {
        int port = ApiserverProcess.freePort();
        service.addBackend(port);
        return ApiserverProcess.start(work.resolve("apiserver-" + port), port, apiserverEnv, logName);
    }

    /** Creates a resource through the REST API, with the script set at {@code repoPath} on {@code host}. */
    public void create(String kind, String name, SshTestHost host, String repoPath, Map<String, String> metadata) throws Exception {
        HttpResponse<String> answer = apiserver.send("POST", "/apis/v1alpha1/" + kind + "/create",
                JSON.writeValueAsString(body(name, host, repoPath, metadata, host.password)));
        assertEquals(201, answer.statusCode(), answer.body());
    }

    /** A resource's body (for a create, or a PUT of its spec) that logs in to {@code host} with {@code password}. */
    public Map<String, Object> body(String name, SshTestHost host, String repoPath, Map<String, String> metadata, String password) {
        return Map.of("name", name, "app", app(repoPath, metadata), "host", List.of(Map.of("ip", host.ip,
                "ssh_port", host.sshPort(), "agent_port", host.agentPort,
                "auth", List.of(Map.of("username", host.username, "password", password)))));
    }

    /** A resource's {@code app}: the script set at {@code repoPath} of the test repository. */
    public Map<String, Object> app(String repoPath, Map<String, String> metadata) {
        Map<String, Object> app = new HashMap<>(Map.of("repo_url", repo.url(repoPath), "install", "install.sh",
                "start", "start.sh", "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh", "metadata", metadata));
        if (Files.exists(work.resolve("repo").resolve(repoPath).resolve("restart.sh"))) {
            app.put("restart", "restart.sh");
        }
        return app;
    }

    public HttpResponse<String> put(String kind, String name, String target) throws Exception {
        HttpResponse<String> answer = apiserver.send("PUT", "/apis/v1alpha1/" + kind + "/" + name + "/" + target, "");
        assertEquals(202, answer.statusCode(), answer.body());
        return answer;
    }

    public JsonNode get(ApiserverProcess replica, String path) throws Exception {
        return JSON.readTree(replica.send("GET", path, null).body());
    }

    public String realtime(ApiserverProcess replica, String kind, String name) throws Exception {
        return get(replica, "/apis/v1alpha1/" + kind + "/" + name + "/status").at("/status/realtime").asText();
    }

    @Override
    public void close() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {apiserver, host2, host3, service, repo, database}) {
            if (part != null) {
                part.close();
            }
        }
        for (SshTestHost host : extraHosts) {
            host.close();
        }
        stopLeftoverServers();
    }

    /** A test that failed half-way may leave a server running: stop whatever the scripts started. */
    private void stopLeftoverServers() {
        try (Stream<Path> files = Files.walk(work)) {
            for (Path pidFile : files.filter(p -> p.endsWith("postmaster.pid") || p.endsWith("redis.pid")
                    || p.endsWith("app.pid")).toList()) {
                String pid = Files.readAllLines(pidFile).get(0).trim();
                ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop leftover servers: " + e);
        }
    }

    private static Path traversable(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path source : (Iterable<Path>) files::iterator) {
                Path target = to.resolve(from.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static void copyResource(String dir, Path to, String... names) throws IOException {
        Files.createDirectories(to);
        for (String name : names) {
            try (InputStream in = LocalSystem.class.getResourceAsStream("/" + dir + "/" + name)) {
                Files.copy(in, to.resolve(name));
            }
        }
    }
}
