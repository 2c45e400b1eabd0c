package io.paasoperator.agent.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.agent.AgentConfig;
import io.paasoperator.contract.Operation;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Where things live under the agent's home:
 * <pre>
 *   apps/{type}/{name}/           APP_HOME: the scripts, the package, whatever the scripts make
 *   agent/{type}/{name}/state.json  the agent's record (owner-only: metadata may hold passwords)
 *   agent/{type}/{name}/logs/       one log file per action run ({action}-{start}-{operation id}.log)
 * </pre>
 * Records are written to a temporary file and moved into place, so a crash never leaves half a record.
 */
@Singleton
public class StateStore {

    private static final Logger LOG = Logger.getLogger(StateStore.class);
    private static final String STATE_FILE = "state.json";

    private final Path home;
    private final ObjectMapper json;

    public StateStore(AgentConfig config, ObjectMapper json) {
        this.home = config.resolvedHome().toAbsolutePath();
        this.json = json;
    }

    public Path appHome(String type, String name) {
        return home.resolve("apps").resolve(type).resolve(name);
    }

    public Path recordDir(String type, String name) {
        return home.resolve("agent").resolve(type).resolve(name);
    }

    public Path logDir(String type, String name) {
        return recordDir(type, name).resolve("logs");
    }

    /** The file an operation's script writes its stdout and stderr to: named by action, start and id. */
    public Path logFile(Operation operation) {
        return logDir(operation.type().wire(), operation.name())
                .resolve(operation.action().wire() + "-" + operation.startedAt().toEpochMilli() + "-" + operation.id() + ".log");
    }

    public List<AppRecord> loadAll() {
        Path agentDir = home.resolve("agent");
        if (!Files.isDirectory(agentDir)) {
            return List.of();
        }
        List<AppRecord> records = new ArrayList<>();
        try (Stream<Path> files = Files.find(agentDir, 3, (p, a) -> p.getFileName().toString().equals(STATE_FILE))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                try {
                    records.add(json.readValue(file.toFile(), AppRecord.class));
                } catch (IOException e) {
                    LOG.errorf("skipping unreadable record %s: %s", file, e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the agent's records under " + agentDir, e);
        }
        return records;
    }

    public void save(AppRecord record) {
        Path dir = recordDir(record.request().type().wire(), record.request().name());
        try {
            createPrivateDirectories(home.resolve("agent")); // everything below is then closed to other users
            createPrivateDirectories(dir);
            Path temp = Files.createTempFile(dir, ".state", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            json.writeValue(temp.toFile(), record);
            Files.move(temp, dir.resolve(STATE_FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save the record of " + record.key(), e);
        }
    }

    /** Forgets an application: its record and logs go; its files stay where they are. */
    public void forget(String type, String name) {
        deleteTree(recordDir(type, name));
    }

    public static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }

    /** The agent's own directories are readable by its user alone. */
    public static void createPrivateDirectories(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        }
    }
}
