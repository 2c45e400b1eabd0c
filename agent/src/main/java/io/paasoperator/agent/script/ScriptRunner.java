package io.paasoperator.agent.script;

import io.paasoperator.agent.AgentConfig;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a lifecycle script as a subprocess: in its application's directory, with the environment given and nothing
 * else (the agent's own secret never reaches a script), stdin closed, output to a log file. Arguments go to the
 * kernel as a list: nothing is ever interpolated into a shell line.
 * <p>
 * Each script starts a session of its own ({@code setsid}), so that on timeout its whole process group — children
 * that outlived their parent included — is killed: SIGTERM, a grace period, then SIGKILL. A script that ends in time
 * may leave daemons behind: that is what a start script is for.
 */
@Singleton
public class ScriptRunner {

    static final int TAIL_BYTES = 4096;
    private static final Path SETSID = Path.of("/usr/bin/setsid");

    private final Duration killGrace;
    private final long logMaxBytes;

    public ScriptRunner(AgentConfig config) {
        this.killGrace = config.killGrace();
        this.logMaxBytes = config.logMaxBytes();
    }

    public ScriptResult run(ScriptCall call) throws IOException, InterruptedException {
        Path script = call.appHome().resolve(call.script());
        if (!Files.isRegularFile(script)) {
            throw new IOException("script " + call.script() + " is not in " + call.appHome());
        }
        List<String> command = new ArrayList<>();
        if (Files.isExecutable(SETSID)) {
            command.add(SETSID.toString());
            command.add("--wait");
        }
        // A script with a #! line picks its interpreter; one without is a POSIX shell script.
        if (!startsWithShebang(script)) {
            command.add("/bin/sh");
        }
        command.add(script.toString());

        Files.createDirectories(call.log().getParent());
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(call.appHome().toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
                .redirectErrorStream(true)
                .redirectOutput(call.log().toFile());
        builder.environment().clear();
        builder.environment().putAll(call.environment());

        Instant started = Instant.now();
        Process process = builder.start();
        boolean finished = process.waitFor(call.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (!finished) {
            killTree(process);
        }
        Duration took = Duration.between(started, Instant.now());
        bound(call.log());
        return new ScriptResult(finished ? process.exitValue() : -1, !finished, took, tail(call.log()));
    }

    /** SIGTERM to the script's process group and every descendant still attached, a grace period, then SIGKILL. */
    void killTree(Process process) throws InterruptedException {
        long group = process.pid(); // setsid made the script its session and group leader
        List<ProcessHandle> tree = new ArrayList<>(process.descendants().toList());
        tree.add(process.toHandle());
        signalGroup("TERM", group);
        tree.forEach(ProcessHandle::destroy);
        Instant deadline = Instant.now().plus(killGrace);
        while (Instant.now().isBefore(deadline) && (tree.stream().anyMatch(ProcessHandle::isAlive) || groupAlive(group))) {
            Thread.sleep(50);
        }
        signalGroup("KILL", group);
        tree.forEach(ProcessHandle::destroyForcibly);
        process.waitFor(5, TimeUnit.SECONDS);
    }

    private static void signalGroup(String signal, long group) throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-" + signal, "--", "-" + group).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // no kill(1): the descendants list still covers the attached processes
        }
    }

    private static boolean groupAlive(long group) throws InterruptedException {
        try {
            return new ProcessBuilder("kill", "-0", "--", "-" + group).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean startsWithShebang(Path script) throws IOException {
        try (var in = Files.newInputStream(script)) {
            byte[] head = in.readNBytes(2);
            return head.length == 2 && head[0] == '#' && head[1] == '!';
        }
    }

    /**
     * A log over the limit keeps its last part, behind a line saying what was dropped: a chatty script cannot fill the
     * disk. Copied file to file (never the whole log in memory), then moved over the log.
     */
    private void bound(Path log) throws IOException {
        long size = Files.size(log);
        LogBound cut = LogBound.cut(size, logMaxBytes);
        if (cut == null) {
            return;
        }
        // A leading "." keeps the copy out of the action's logs, which are pruned by name.
        Path bounded = log.resolveSibling("." + log.getFileName() + ".bounded");
        try (FileChannel in = FileChannel.open(log, StandardOpenOption.READ);
                FileChannel out = FileChannel.open(bounded, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(ByteBuffer.wrap(cut.noticeBytes()));
            for (long at = cut.start(); at < size; ) {
                at += in.transferTo(at, size - at, out);
            }
        }
        Files.move(bounded, log, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The end of a log, as text. */
    public static String tail(Path log) throws IOException {
        return Files.exists(log) ? new String(readLast(log, TAIL_BYTES), StandardCharsets.UTF_8) : "";
    }

    private static byte[] readLast(Path file, int max) throws IOException {
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            int size = (int) Math.min(length, max);
            byte[] bytes = new byte[size];
            in.seek(length - size);
            in.readFully(bytes);
            return bytes;
        }
    }
}
