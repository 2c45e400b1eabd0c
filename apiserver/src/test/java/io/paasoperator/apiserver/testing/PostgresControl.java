package io.paasoperator.apiserver.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.zonky.test.db.postgres.util.LinuxUtils;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code pg_ctl} on a running test PostgreSQL ({@link io.paasoperator.apiserver.localdb.LocalPostgres}), for the drills
 * that restart or stop the database under an apiserver: the {@code pg_ctl} next to the server's own binary, so always
 * of its version.
 */
public final class PostgresControl {

    private static final Pattern QUOTED = Pattern.compile("\"([^\"]*)\"");

    private final Path dataDir;
    private final Path pgCtl;
    private final Path log;
    /** The server's command-line options (port, settings), for a start after a stop. */
    private final String serverOptions;

    private PostgresControl(Path dataDir, Path pgCtl, Path log, String serverOptions) {
        this.dataDir = dataDir;
        this.pgCtl = pgCtl;
        this.log = log;
        this.serverOptions = serverOptions;
    }

    /** Controls the server running in {@code dataDir}; its output after a restart goes to {@code log}. */
    public static PostgresControl of(Path dataDir, Path log) throws IOException {
        long pid = Long.parseLong(Files.readAllLines(dataDir.resolve("postmaster.pid")).get(0).trim());
        Path postgres = Path.of(ProcessHandle.of(pid).orElseThrow().info().command().orElseThrow());
        // postmaster.opts: the binary, then each argument in double quotes; -D is given to pg_ctl itself.
        List<String> arguments = new ArrayList<>();
        Matcher quoted = QUOTED.matcher(Files.readString(dataDir.resolve("postmaster.opts")));
        while (quoted.find()) {
            arguments.add(quoted.group(1));
        }
        int d = arguments.indexOf("-D");
        if (d >= 0) {
            arguments.subList(d, d + 2).clear();
        }
        return new PostgresControl(dataDir, postgres.resolveSibling("pg_ctl"), log,
                String.join(" ", arguments.stream().map(a -> "\"" + a + "\"").toList()));
    }

    /** {@code pg_ctl restart -m fast}: open connections are closed, and the server is back when this returns. */
    public void restart() throws Exception {
        run("-l", log.toString(), "-w", "restart", "-m", "fast");
    }

    /** {@code pg_ctl stop -m fast}: down when this returns. */
    public void stop() throws Exception {
        run("-w", "stop", "-m", "fast");
    }

    /** Starts it again after {@link #stop()}, on the same port with the same settings; accepting connections when this returns. */
    public void start() throws Exception {
        run("-l", log.toString(), "-w", "-o", serverOptions, "start");
    }

    private void run(String... arguments) throws Exception {
        List<String> command = new ArrayList<>();
        // pg_ctl refuses to run as root; the embedded server runs in a user namespace of its own, as it was started.
        if (LinuxUtils.isUnshareAvailable()) {
            command.addAll(List.of("unshare", "-U"));
        }
        command.addAll(List.of(pgCtl.toString(), "-D", dataDir.toString()));
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "pg_ctl did not finish: " + command);
        assertEquals(0, process.exitValue(), "pg_ctl failed, see " + log + ": " + command);
    }
}
