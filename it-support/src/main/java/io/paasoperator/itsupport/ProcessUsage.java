package io.paasoperator.itsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * CPU time and memory of processes, read from Linux's /proc: the apiserver's, and a PostgreSQL cluster's (its
 * postmaster and every process it started). For the benchmarks, which print figures.
 */
public final class ProcessUsage {

    public static final long CLOCK_TICKS_PER_SECOND = clockTicksPerSecond();

    private ProcessUsage() {
    }

    /** CPU ticks (user + system) the process used so far. */
    public static long ticks(long pid) {
        long[] stat = stat(Path.of("/proc", String.valueOf(pid), "stat"));
        return stat == null ? 0 : stat[1] + stat[2];
    }

    /**
     * The whole cluster: the postmaster, its live children (backends, checkpointer, walwriter, autovacuum...), and,
     * through the postmaster's cutime/cstime, the children it reaped in between.
     */
    public static long postgresTicks(long postmasterPid) {
        long[] postmaster = stat(Path.of("/proc", String.valueOf(postmasterPid), "stat"));
        long ticks = postmaster == null ? 0 : postmaster[1] + postmaster[2] + postmaster[3] + postmaster[4];
        for (long child : children(postmasterPid)) {
            long[] stat = stat(Path.of("/proc", String.valueOf(child), "stat"));
            if (stat != null) {
                ticks += stat[1] + stat[2];
            }
        }
        return ticks;
    }

    /** Resident memory in kB (VmRSS). */
    public static long rssKb(long pid) {
        return statusKb(pid, "VmRSS:");
    }

    /**
     * The cluster's memory in kB: the sum of its processes' resident sets (shared buffers counted once per process that
     * touched them, so an overstatement) and of their proportional sets (shared pages split between the processes:
     * what the cluster really holds).
     */
    public static long[] postgresMemoryKb(long postmasterPid) {
        long rss = rssKb(postmasterPid);
        long pss = pssKb(postmasterPid);
        for (long child : children(postmasterPid)) {
            rss += rssKb(child);
            pss += pssKb(child);
        }
        return new long[] {rss, pss};
    }

    private static long pssKb(long pid) {
        return kb(pid, "smaps_rollup", "Pss:");
    }

    private static long statusKb(long pid, String field) {
        return kb(pid, "status", field);
    }

    /** A size in kB from the line starting with {@code field} of /proc/{pid}/{file}; 0 when the process is gone. */
    private static long kb(long pid, String file, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), file))) {
                if (line.startsWith(field)) {
                    return Long.parseLong(line.replaceAll("\\D", ""));
                }
            }
            return 0;
        } catch (NoSuchFileException gone) {
            return 0;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Where in a process the time goes: its threads' CPU ticks by name, numbers stripped so that a pool counts as one
     * (Linux keeps the first 15 characters of a thread's name). A thread that ended in between is missed.
     */
    public static Map<String, Long> ticksByThreadName(long pid) {
        Map<String, Long> ticks = new HashMap<>();
        try (Stream<Path> threads = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
            for (Path thread : threads.toList()) {
                long[] stat = stat(thread.resolve("stat"));
                if (stat != null) {
                    String name = Files.readString(thread.resolve("comm")).trim().replaceAll("[-#]?\\d+$", "");
                    ticks.merge(name, stat[1] + stat[2], Long::sum);
                }
            }
        } catch (NoSuchFileException threadEnded) {
            // a thread gone between listing and reading: its ticks are lost, as said above
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return ticks;
    }

    /** Busy and total ticks of all cores, from /proc/stat: how busy the machine was besides what is measured. */
    public static long[] machineTicks() {
        try {
            String[] cpu = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            long total = 0;
            for (int i = 1; i < cpu.length; i++) {
                total += Long.parseLong(cpu[i]);
            }
            long idle = Long.parseLong(cpu[4]) + Long.parseLong(cpu[5]); // idle, iowait
            return new long[] {total - idle, total};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The 1-minute load average. */
    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Long> children(long parent) {
        try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
            return processes.filter(p -> p.getFileName().toString().matches("\\d+"))
                    .map(p -> Long.parseLong(p.getFileName().toString()))
                    .filter(pid -> {
                        long[] stat = stat(Path.of("/proc", String.valueOf(pid), "stat"));
                        return stat != null && stat[0] == parent;
                    }).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** From a stat file: ppid, utime, stime, cutime, cstime; null when the process or thread is gone. */
    private static long[] stat(Path statFile) {
        String line;
        try {
            line = Files.readString(statFile);
        } catch (NoSuchFileException gone) {
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // The command name, in parentheses, may hold spaces: fields are counted after its closing one (field 3 = [0]).
        String[] fields = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return new long[] {Long.parseLong(fields[1]), Long.parseLong(fields[11]), Long.parseLong(fields[12]),
                Long.parseLong(fields[13]), Long.parseLong(fields[14])};
    }

    private static long clockTicksPerSecond() {
        try {
            Process getconf = new ProcessBuilder("getconf", "CLK_TCK").start();
            return Long.parseLong(new String(getconf.getInputStream().readAllBytes()).trim());
        } catch (IOException | RuntimeException e) {
            return 100; // what Linux uses on every common architecture
        }
    }
}
