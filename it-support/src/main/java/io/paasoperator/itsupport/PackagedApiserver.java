package io.paasoperator.itsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The packaged apiserver as a user runs it ({@code java -jar apiserver/target/quarkus-app/quarkus-run.jar}), with zero
 * configuration but a fresh data directory, a free port and a random admin API token: it starts its own embedded PostgreSQL.
 * The token goes by environment only, and is never printed. Its output goes to target/it-logs/.
 */
public final class PackagedApiserver implements AutoCloseable {

    /** The name of the one token configured (name:role:token): the actor of the changes the clients make. */
    public static final String TOKEN_NAME = "it-admin";
    public static final Path JAR = Path.of(System.getProperty("apiserver.jar", "../apiserver/target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath().normalize();
    /** bin/run-local's and the image's JVM options when JAVA_OPTS is not set: apiserver/jvm.options, beside target/. */
    static final Path JVM_OPTIONS = JAR.getParent().getParent().resolveSibling("jvm.options");

    /** The address it listens on, and agents report to: 127.0.0.1 unless the settings name another (QUARKUS_HTTP_HOST). */
    public final String host;
    public final int port;
    public final String token;
    public final Path log;
    private final Path dataDir;
    private final Process process;

    private PackagedApiserver(String host, int port, String token, Path dataDir, Path log, Process process) {
        this.host = host;
        this.port = port;
        this.token = token;
        this.dataDir = dataDir;
        this.log = log;
        this.process = process;
    }

    public static PackagedApiserver start(String logName) throws Exception {
        return start(logName, Map.of());
    }

    /**
     * The same with more settings (environment variables) on top of zero configuration, e.g. QUARKUS_HTTP_HOST with
     * OPERATOR_IP to listen on a loopback address of the caller's own, QUARKUS_HTTP_PORT to take another's place.
     */
    public static PackagedApiserver start(String logName, Map<String, String> settings) throws Exception {
        check(Files.exists(JAR), "build the apiserver first (./mvnw -B verify builds it before this module): " + JAR);
        int port = settings.containsKey("QUARKUS_HTTP_PORT") ? Integer.parseInt(settings.get("QUARKUS_HTTP_PORT")) : freePort();
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        Path dataDir = Files.createTempDirectory("paas-api-clients-it-");
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(logName).toAbsolutePath();

        // The JVM options bin/run-local and the image start it with (JAVA_OPTS replaces them there, and here): what is
        // measured here is what runs.
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions());
        command.addAll(List.of("-jar", JAR.toString()));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("PAAS_") || k.startsWith("OPERATOR_"));
        builder.environment().put("PAAS_DATA_DIR", dataDir.toString());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        builder.environment().put("PAAS_API_TOKENS", TOKEN_NAME + ":admin:" + token);
        // The address agents would report to: loopback, as nothing here leaves 127.0.0.0/8 (else the machine's own).
        builder.environment().put("OPERATOR_IP", "127.0.0.1");
        builder.environment().putAll(settings);
        String host = settings.getOrDefault("QUARKUS_HTTP_HOST", "127.0.0.1");
        Process process = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        PackagedApiserver apiserver = new PackagedApiserver(host, port, token, dataDir, log, process);
        try {
            apiserver.awaitReady();
        } catch (Throwable notReady) {
            apiserver.close();
            throw notReady;
        }
        return apiserver;
    }

    /** The JVM options the apiserver is started with: JAVA_OPTS, split on spaces as the launch scripts do, or theirs. */
    public static List<String> jvmOptions() {
        String javaOpts = System.getenv("JAVA_OPTS");
        if (javaOpts == null || javaOpts.isBlank()) {
            try {
                // Lines starting with # are comments, as the launch scripts read the file.
                javaOpts = Files.readAllLines(JVM_OPTIONS).stream().filter(line -> !line.startsWith("#"))
                        .collect(Collectors.joining(" "));
            } catch (IOException e) {
                throw new UncheckedIOException("the apiserver's JVM options: " + JVM_OPTIONS, e);
            }
        }
        return List.of(javaOpts.trim().split("\\s+"));
    }

    public String baseUrl() {
        return "http://" + host + ":" + port;
    }

    /** The apiserver's process id (its CPU time and memory are read from /proc by the fleet benchmark). */
    public long pid() {
        return process.pid();
    }

    /** The embedded PostgreSQL's postmaster, once it runs: its children are the rest of the cluster. */
    public Optional<ProcessHandle> postgres() throws IOException {
        return postmaster();
    }

    private void awaitReady() throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest ready = HttpRequest.newBuilder(URI.create(baseUrl() + "/q/health/ready")).timeout(Duration.ofSeconds(10)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            check(process.isAlive(), "the apiserver exited; see " + log);
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the apiserver was not ready within 120 s; see " + log);
    }

    /** SIGTERM (it stops its PostgreSQL), then whatever is left of the tree is killed, and the data directory removed. */
    @Override
    public void close() throws Exception {
        List<ProcessHandle> descendants = process.descendants().toList();
        process.destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        descendants.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        // pg_ctl starts the postmaster detached, outside the tree: stop it by its pid file if it outlived the apiserver.
        postmaster().ifPresent(postgres -> {
            postgres.destroy();
            try {
                postgres.onExit().get(30, TimeUnit.SECONDS);
            } catch (Exception notStopped) {
                postgres.destroyForcibly();
            }
        });
        try (Stream<Path> files = Files.walk(dataDir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private Optional<ProcessHandle> postmaster() throws IOException {
        Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return Optional.empty();
        }
        return Files.readAllLines(pidFile).stream().findFirst().map(String::trim).filter(s -> s.matches("\\d+"))
                .map(Long::parseLong).flatMap(ProcessHandle::of).filter(ProcessHandle::isAlive)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
    }

    private static void check(boolean condition, String otherwise) {
        if (!condition) {
            throw new IllegalStateException(otherwise);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
