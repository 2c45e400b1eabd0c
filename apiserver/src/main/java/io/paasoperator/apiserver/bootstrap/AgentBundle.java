package io.paasoperator.apiserver.bootstrap;

import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The agent the bootstrap uploads (PAAS_AGENT_EXECUTABLE), in one of three forms told apart by its name (see
 * {@link Form}). Packed once into a reproducible tar.gz with its launcher and {@code agentctl}; the digest of that
 * archive is the build an agent reports on /version.
 */
@Singleton
public class AgentBundle {

    private static final Logger LOG = Logger.getLogger(AgentBundle.class);

    /** The forms of agent the bootstrap installs. */
    public enum Form {
        /** {@code *.tar.gz}: the self-contained agent (agent/target/paas-agent-self-contained.tar.gz): its own Java
         * runtime, its quarkus-app and its {@code launch}; hosts need no Java. What the build provides by default. */
        SELF_CONTAINED,
        /** {@code *.jar}: the {@code quarkus-run.jar} of a quarkus-app directory; hosts need a Java 17 on PATH. */
        JAR,
        /** Anything else: the native executable. */
        NATIVE;

        static Form of(Path agent) {
            String name = agent.getFileName().toString();
            return name.endsWith(".tar.gz") ? SELF_CONTAINED : name.endsWith(".jar") ? JAR : NATIVE;
        }
    }

    /** The archive to upload, the build it holds, and the script that installs it on a host. */
    public record Packed(Path archive, String build, byte[] installScript) {
    }

    private final Path executable;
    private final String version;
    private Packed packed;
    /**
     * Where it is packed: one fixed file of the apiserver's own data directory, replaced by each start, so that an
     * apiserver killed before its exit leaves no archive behind for every start (as a new temporary file each time did).
     */
    private final Path archive;
    static final String ARCHIVE = "agent-bundle.tar.gz";

    public AgentBundle(@ConfigProperty(name = "paas.agent.executable") Path executable,
            @ConfigProperty(name = "quarkus.application.version") String version,
            @ConfigProperty(name = "paas.data-dir") Path dataDir) {
        this.executable = executable.toAbsolutePath().normalize();
        this.version = version;
        this.archive = dataDir.toAbsolutePath().normalize().resolve(ARCHIVE);
    }

    /**
     * Packs in the background as the apiserver starts (not in tests, which mostly never bootstrap): the self-contained
     * agent takes seconds to pack, which the first bootstrap then does not wait for. A failure is only logged here; the
     * bootstrap meets it again and reports it.
     */
    void packEarly(@Observes StartupEvent started) {
        if (LaunchMode.current() != LaunchMode.NORMAL) {
            return;
        }
        Thread packer = new Thread(() -> {
            try {
                packed();
            } catch (BootstrapException e) {
                LOG.warn(e.getMessage());
            }
        }, "agent-bundle");
        packer.setDaemon(true);
        packer.start();
    }

    /** The release of the agent carried: the apiserver's own, as both are built together. */
    public String version() {
        return version;
    }

    /** Blocking (reads and writes files): call from a worker thread. Packs on first use. */
    public synchronized Packed packed() throws BootstrapException {
        if (packed == null) {
            if (!Files.isRegularFile(executable)) {
                throw new BootstrapException("the agent to install is missing: " + executable
                        + " (PAAS_AGENT_EXECUTABLE; build it with ./mvnw -pl agent -am package)");
            }
            try {
                long start = System.nanoTime();
                packed = pack();
                LOG.infof("agent to install: %s, build %s, %d kB to upload (packed in %d ms)", executable, packed.build(),
                        Files.size(packed.archive()) / 1024, (System.nanoTime() - start) / 1_000_000);
            } catch (IOException e) {
                throw new BootstrapException("cannot pack the agent from " + executable + ": " + e.getMessage());
            }
        }
        return packed;
    }

    private Packed pack() throws IOException {
        Form form = Form.of(executable);
        List<Entry> entries = new ArrayList<>();
        entries.add(Entry.resource("agentctl", "bootstrap/agentctl"));
        if (form == Form.JAR) {
            entries.add(Entry.resource("launch", "bootstrap/launch-jar"));
            Path root = executable.getParent();
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).sorted()
                        .forEach(f -> entries.add(Entry.file(root.relativize(f).toString(), f, false)));
            }
        } else if (form == Form.NATIVE) {
            entries.add(Entry.resource("launch", "bootstrap/launch-native"));
            entries.add(Entry.file("paas-agent", executable, true));
        }
        Files.createDirectories(archive.getParent());
        Path part = archive.resolveSibling(ARCHIVE + ".part"); // the archive is replaced whole, never seen half-written
        Files.deleteIfExists(part);
        Files.createFile(part, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        MessageDigest digest = sha256();
        try (OutputStream file = Files.newOutputStream(part);
                DigestOutputStream hashed = new DigestOutputStream(file, digest);
                GZIPOutputStream gzip = new GZIPOutputStream(hashed);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry entry : entries) {
                entry.writeTo(tar);
            }
            if (form == Form.SELF_CONTAINED) {
                copySelfContained(tar);
            }
        }
        Files.move(part, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        archive.toFile().deleteOnExit();
        return new Packed(archive, HexFormat.of().formatHex(digest.digest()).substring(0, 16),
                resource("bootstrap/install-agent.sh"));
    }

    /**
     * The plain files of the self-contained agent's archive, streamed in its order with owner and time fixed: the
     * archive carries its own {@code launch}; the apiserver only adds {@code agentctl}.
     */
    private void copySelfContained(TarArchiveOutputStream out) throws IOException {
        boolean launch = false;
        try (InputStream file = Files.newInputStream(executable);
                GZIPInputStream gzip = new GZIPInputStream(file);
                TarArchiveInputStream tar = new TarArchiveInputStream(gzip)) {
            for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (entry.isDirectory()) {
                    continue;
                }
                if (!entry.isFile() || name.isEmpty() || name.startsWith("/") || name.contains("..") || name.equals("agentctl")) {
                    throw new IOException("it holds " + entry.getName() + ", which is not one of the agent's plain files");
                }
                boolean executable = (entry.getMode() & 0100) != 0;
                launch |= name.equals("launch") && executable;
                Entry.header(out, name, executable, entry.getSize());
                tar.transferTo(out);
                out.closeArchiveEntry();
            }
        }
        if (!launch) {
            throw new IOException("it has no executable launch script (is it the agent's paas-agent-self-contained.tar.gz?)");
        }
    }

    /** One file of the archive; fixed owner and time, so that the same content always packs to the same digest. */
    private record Entry(String name, byte[] content, Path file, boolean executable) {

        static Entry resource(String name, String resource) throws IOException {
            return new Entry(name, AgentBundle.resource(resource), null, true);
        }

        static Entry file(String name, Path file, boolean executable) {
            return new Entry(name, null, file, executable);
        }

        static void header(TarArchiveOutputStream tar, String name, boolean executable, long size) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setMode(executable ? 0755 : 0644);
            entry.setModTime(0);
            entry.setUserId(0);
            entry.setGroupId(0);
            entry.setSize(size);
            tar.putArchiveEntry(entry);
        }

        void writeTo(TarArchiveOutputStream tar) throws IOException {
            header(tar, name, executable, content != null ? content.length : Files.size(file));
            if (content != null) {
                tar.write(content);
            } else {
                Files.copy(file, tar);
            }
            tar.closeArchiveEntry();
        }
    }

    /** One of the scripts the apiserver carries (resources/bootstrap). */
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = AgentBundle.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("resource " + name + " is missing from the apiserver");
            }
            return in.readAllBytes();
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
