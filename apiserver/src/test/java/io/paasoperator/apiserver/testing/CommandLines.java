package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/** Every distinct command line of every process, read from /proc every few milliseconds until closed. */
public final class CommandLines implements AutoCloseable {

    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Thread watcher;
    private volatile boolean watching = true;

    private CommandLines() {
        watcher = new Thread(() -> {
            while (watching) {
                try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
                    processes.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                            .forEach(p -> {
                                try {
                                    byte[] cmdline = Files.readAllBytes(p.resolve("cmdline"));
                                    seen.add(new String(cmdline, StandardCharsets.UTF_8).replace('\0', ' '));
                                } catch (IOException exited) {
                                    // the process ended meanwhile
                                }
                            });
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
            }
        }, "command-line-watch");
        watcher.setDaemon(true);
    }

    public static CommandLines watch() {
        CommandLines lines = new CommandLines();
        lines.watcher.start();
        return lines;
    }

    public Set<String> seen() {
        return seen;
    }

    @Override
    public void close() throws InterruptedException {
        watching = false;
        watcher.join();
    }
}
