package io.paasoperator.apiserver.localdb;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A PostgreSQL of the apiserver's own, kept in a data directory, for running with zero configuration. It listens on
 * loopback only, and takes only the password kept beside its data (owner-only): the server initdb makes trusts every
 * local account, which would make any account on the machine its superuser. Its binaries are unpacked beside the data
 * too, not in a world-writable temporary directory where another account could plant its own. Also what the tests run
 * against: a real server, not a stand-in, as durable as any PostgreSQL.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Duration STALE_SERVER_EXIT = Duration.ofSeconds(30);

    /** Marks a pg_hba.conf this class wrote: a server whose file lacks it was made to trust and is locked down first. */
    static final String HBA_MARKER = "# paas-operator: a password for every connection";

    private static Path unpacked;

    private final EmbeddedPostgres server;
    private final String password;

    private LocalPostgres(EmbeddedPostgres server, String password) {
        this.server = server;
        this.password = password;
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
        Path binaries = binaries(directory.resolveSibling(directory.getFileName() + "-bin"));
        String password = password(directory.resolveSibling(directory.getFileName() + "-password"));
        EmbeddedPostgres server = EmbeddedPostgres.builder()
                .setDataDirectory(directory)
                .setCleanDataDirectory(false)
                .setOverrideWorkingDirectory(binaries.toFile())
                .setServerConfig("listen_addresses", "127.0.0.1")
                // No Unix socket (it made one in /tmp, open to every account though behind the password): TCP on loopback only.
                .setServerConfig("unix_socket_directories", "")
                // The embedding library starts a scratch server (-F: fsync off; synchronous_commit off): this one keeps
                // the apiserver's records, so every commit is on disk before it is answered, as in any PostgreSQL.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setDataDirectoryCustomizer(data -> requirePassword(data.toPath(), binaries, password))
                .setConnectConfig("password", password) // its start-up check logs in
                .setPGStartupWait(Duration.ofSeconds(60))
                .setRegisterShutdownHook(stopAtJvmExit)
                .start();
        return new LocalPostgres(server, password);
    }

    /** The superuser's password: made on first use, kept owner-only in {@code file}. */
    private static String password(Path file) throws IOException {
        if (Files.exists(file)) {
            return Files.readString(file).trim();
        }
        byte[] random = new byte[24];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        Path fresh = Files.createTempFile(file.getParent(), ".password", ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(fresh, password + "\n");
        Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
        return password;
    }

    /**
     * Where the server's binaries are unpacked: into a directory only this account can enter (the unpacker opens its
     * own for every account to write). The unpacker keeps one place per process, so every server of this process
     * shares the first one's while it exists.
     */
    private static synchronized Path binaries(Path ownDirectory) throws IOException {
        if (unpacked == null || !Files.isDirectory(unpacked.getParent())) {
            unpacked = ownerOnly(ownDirectory).resolve("pg");
        }
        return unpacked;
    }

    private static Path ownerOnly(Path directory) throws IOException {
        Files.createDirectories(directory);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwx------"));
        return directory;
    }

    /**
     * Before the server starts: a data directory whose pg_hba.conf this class did not write (initdb's trusts every
     * local account) has the superuser's password set, in single-user mode with the password on standard input, and
     * then takes passwords only.
     */
    static void requirePassword(Path data, Path binaries, String password) {
        try {
            Path hba = data.resolve("pg_hba.conf");
            if (Files.readString(hba).contains(HBA_MARKER)) {
                return;
            }
            Path postgres;
            try (Stream<Path> files = Files.walk(binaries)) {
                postgres = files.filter(f -> f.endsWith(Path.of("bin", "postgres")) && Files.isExecutable(f)).findFirst()
                        .orElseThrow(() -> new IOException("no postgres binary under " + binaries));
            }
            List<String> command = new ArrayList<>();
            if ("root".equals(System.getProperty("user.name"))) {
                command.addAll(List.of("unshare", "-U")); // PostgreSQL refuses root: run as the embedded server is run
            }
            command.addAll(List.of(postgres.toString(), "--single", "-D", data.toString(), "postgres"));
            Process single = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            try (var input = single.getOutputStream()) {
                input.write(("ALTER ROLE postgres PASSWORD '" + password + "';\n").getBytes(StandardCharsets.UTF_8));
            }
            if (!single.waitFor(60, TimeUnit.SECONDS) || single.exitValue() != 0) {
                single.destroyForcibly();
                throw new IOException("setting the embedded PostgreSQL's password failed (postgres --single)");
            }
            Files.writeString(hba, HBA_MARKER + "\n"
                    + "local all all scram-sha-256\n"
                    + "host all all 127.0.0.1/32 scram-sha-256\n"
                    + "host all all ::1/128 scram-sha-256\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while locking the embedded PostgreSQL down", e);
        }
    }

    /** The port it listens on, on 127.0.0.1: one found free at its start. */
    public int port() {
        return server.getPort();
    }

    /** The Quarkus settings that point the apiserver's datasource at this server. */
    public Map<String, String> datasourceSettings() {
        String hostPort = "127.0.0.1:" + port() + "/postgres";
        return Map.of(
                "quarkus.datasource.reactive.url", "postgresql://" + hostPort,
                "quarkus.datasource.jdbc.url", "jdbc:postgresql://" + hostPort,
                "quarkus.datasource.username", "postgres",
                "quarkus.datasource.password", password);
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
