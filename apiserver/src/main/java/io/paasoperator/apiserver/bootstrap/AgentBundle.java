package io.paasoperator.apiserver.bootstrap;

import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The agent the bootstrap uploads (PAAS_AGENT_EXECUTABLE): the native executable, or in development the agent's
 * {@code quarkus-run.jar} with the rest of its {@code quarkus-app} directory. Packed once into a reproducible tar.gz
 * with its launcher and {@code agentctl}; the digest of that archive is the build an agent reports on /version.
 */
@Singleton
public class AgentBundle {

    /** The archive to upload, the build it holds, and the script that installs it on a host. */
    public record Packed(Path archive, String build, byte[] installScript) {
    }

    private final Path executable;
    private final String version;
    private Packed packed;

    public AgentBundle(@ConfigProperty(name = "paas.agent.executable") Path executable,
            @ConfigProperty(name = "quarkus.application.version") String version) {
        this.executable = executable.toAbsolutePath().normalize();
        this.version = version;
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
                        + " (PAAS_AGENT_EXECUTABLE; build it with ./mvnw -pl agent package)");
            }
            try {
                packed = pack();
            } catch (IOException e) {
                throw new BootstrapException("cannot pack the agent from " + executable + ": " + e.getMessage());
            }
        }
        return packed;
    }

    private Packed pack() throws IOException {
        boolean jar = executable.getFileName().toString().endsWith(".jar");
        List<Entry> entries = new ArrayList<>();
        entries.add(Entry.resource("agentctl", "bootstrap/agentctl"));
        entries.add(Entry.resource("launch", jar ? "bootstrap/launch-jar" : "bootstrap/launch-native"));
        if (jar) {
            Path root = executable.getParent();
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile).sorted()
                        .forEach(f -> entries.add(Entry.file(root.relativize(f).toString(), f, false)));
            }
        } else {
            entries.add(Entry.file("paas-agent", executable, true));
        }
        Path archive = Files.createTempFile("paas-agent-", ".tar.gz",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        archive.toFile().deleteOnExit();
        MessageDigest digest = sha256();
        try (OutputStream file = Files.newOutputStream(archive);
                DigestOutputStream hashed = new DigestOutputStream(file, digest);
                GZIPOutputStream gzip = new GZIPOutputStream(hashed);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gzip)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (Entry entry : entries) {
                entry.writeTo(tar);
            }
        }
        return new Packed(archive, HexFormat.of().formatHex(digest.digest()).substring(0, 16),
                resource("bootstrap/install-agent.sh"));
    }

    /** One file of the archive; fixed owner and time, so that the same content always packs to the same digest. */
    private record Entry(String name, byte[] content, Path file, boolean executable) {

        static Entry resource(String name, String resource) throws IOException {
            return new Entry(name, AgentBundle.resource(resource), null, true);
        }

        static Entry file(String name, Path file, boolean executable) {
            return new Entry(name, null, file, executable);
        }

        void writeTo(TarArchiveOutputStream tar) throws IOException {
            TarArchiveEntry entry = new TarArchiveEntry(name);
            entry.setMode(executable ? 0755 : 0644);
            entry.setModTime(0);
            entry.setUserId(0);
            entry.setGroupId(0);
            entry.setSize(content != null ? content.length : Files.size(file));
            tar.putArchiveEntry(entry);
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
