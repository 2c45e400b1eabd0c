package io.paasoperator.apiserver.localdb;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A PostgreSQL of the apiserver's own, kept in a data directory, for running with zero configuration. It listens on
 * loopback only. Also what the tests run against: a real server, not a stand-in.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Duration STALE_SERVER_EXIT = Duration.ofSeconds(30);

    private final EmbeddedPostgres server;

    private LocalPostgres(EmbeddedPostgres server) {
        this.server = server;
    }

    /** Starts (or resumes, keeping every row) the server whose files are in {@code directory}; stopped at the JVM's exit. */
    public static LocalPostgres start(Path directory) throws IOException {
        return start(directory, true);
    }

    /**
     * {@link #start(Path)}; with {@code stopAtJvmExit} false the caller stops it ({@link #close}), in its own order: a
     * shutdown hook of its own would run at the same time as the application's, stopping the server under its pools.
     */
    public static LocalPostgres start(Path directory, boolean stopAtJvmExit) throws IOException {
        Files.createDirectories(directory);
        stopOrphanedServer(directory);
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(directory)
                .setCleanDataDirectory(false)
                .setServerConfig("listen_addresses", "127.0.0.1")
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(stopAtJvmExit)
                .start();
        return new LocalPostgres(server);
    }

    /** The Quarkus settings that point the apiserver's datasource at this server. */
    public Map<String, String> datasourceSettings() {
        String hostPort = "127.0.0.1:" + server.getPort() + "/postgres";
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + hostPort,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort,
                "quarkus.datasource.username", "postgres");
    }

    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * A server left running by an apiserver that was killed holds the data directory; stop it so this start can
     * take the directory over. Only a live process that is a postgres is touched.
     */
    static void stopOrphanedServer(Path directory) throws IOException {
        Path pidFile = directory.resolve("postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        Optional<ProcessHandle> orphan = Files.readAllLines(pidFile).stream().findFirst()
                .map(String::trim).filter(s -> s.matches("\\d+")).map(Long::parseLong)
                .flatMap(ProcessHandle::of)
                .filter(p -> p.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        if (orphan.isEmpty()) {
            return; // a stale pid file alone: postgres clears it itself
        }
        ProcessHandle process = orphan.get();
        process.destroy(); // SIGTERM: a clean shutdown once its (dead) clients are gone
        try {
            process.onExit().get(STALE_SERVER_EXIT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception timeoutOrInterrupt) {
            process.destroyForcibly();
        }
    }
}
