package io.paasoperator.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paasoperator.agent.testing.AgentProcess;
import io.paasoperator.agent.testing.ReportReceiver;
import io.paasoperator.agent.testing.ScriptRepository;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures of the self-contained agent beside the jar agent (./mvnw -B verify -Pbench -pl agent): upload size, time from
 * start to answering /version (wall and CPU), idle resident set with 0 and with 20 applications checked every second.
 * Prints; asserts only that the agents work (every application healthy), nothing about speed or size.
 */
class SelfContainedAgentBench {

    /** Where the agents listen: -Dbench.ip=… where other work on the machine uses 127.0.0.200. */
    private static final String IP = System.getProperty("bench.ip", "127.0.0.200");
    private static final String SECRET = "bench-secret-0123456789";
    private static final int STARTS = 3;
    private static final int APPLICATIONS = 20;
    private static final Duration SETTLE = Duration.ofSeconds(15);

    @TempDir
    static Path work;

    @Test
    void figures() throws Exception {
        List<String> lines = new ArrayList<>();
        Path archive = Path.of("target", "paas-agent-self-contained.tar.gz");
        lines.add(String.format("upload: self-contained archive %.1f MB (%s)", Files.size(archive) / 1e6, archive));
        Instant checking = Instant.now();
        AgentProcess.checkedLaunch();
        lines.add("self-contained: launch --check (an install's; makes the AOT cache, or a Java 17 runtime's AppCDS archive) "
                + Duration.between(checking, Instant.now()).toMillis() + " ms");
        try (ScriptRepository repo = ScriptRepository.serve(Files.createDirectories(work.resolve("repo")));
                ReportReceiver receiver = new ReportReceiver()) {
            for (boolean jar : List.of(false, true)) {
                String form = jar ? "jar (java -jar, this JDK)" : "self-contained";
                List<String> starts = new ArrayList<>();
                for (int i = 0; i < STARTS; i++) {
                    try (AgentProcess agent = prepare(jar, "start-" + i)) {
                        starts.add(timeToVersion(agent));
                    }
                }
                lines.add(form + ": start to /version " + String.join(", ", starts));
                try (AgentProcess agent = prepare(jar, "idle")) {
                    timeToVersion(agent);
                    Thread.sleep(SETTLE.toMillis());
                    String idle = rss(agent);
                    for (int i = 0; i < APPLICATIONS; i++) {
                        Map<String, Object> app = AgentProcess.request("bench-" + i, "database", repo.url("lab"), "lab",
                                Map.of(), receiver.port());
                        assertEquals("succeeded", agent.runToEnd("install", app).get("state").asText());
                        assertEquals("succeeded", agent.runToEnd("start", app).get("state").asText());
                    }
                    Thread.sleep(SETTLE.toMillis());
                    for (int i = 0; i < APPLICATIONS; i++) {
                        String name = "bench-" + i;
                        List<ReportReceiver.Report> reports = receiver.reportsFor(name);
                        assertEquals("0", reports.get(reports.size() - 1).code(), name + " is healthy");
                    }
                    lines.add(form + ": idle RSS " + idle + " with 0 applications, " + rss(agent) + " with " + APPLICATIONS
                            + " (checked every second)");
                    for (int i = 0; i < APPLICATIONS; i++) {
                        Map<String, Object> app = AgentProcess.request("bench-" + i, "database", repo.url("lab"), "lab",
                                Map.of(), receiver.port());
                        agent.runToEnd("uninstall", app);
                    }
                }
            }
        }
        System.out.println("\n==== agent figures (" + Runtime.getRuntime().availableProcessors() + " CPUs, load "
                + Files.readString(Path.of("/proc/loadavg")).strip() + ")");
        lines.forEach(System.out::println);
    }

    private static AgentProcess prepare(boolean jar, String name) throws IOException {
        String log = "bench-" + (jar ? "jar-" : "self-contained-") + name + ".log";
        return AgentProcess.prepare(IP, work.resolve((jar ? "jar-" : "sc-") + name), SECRET, Map.of(), log, jar);
    }

    /** Starts the agent and polls /version every 5 ms: wall time, and the CPU time the process had used by then. */
    private static String timeToVersion(AgentProcess agent) throws Exception {
        Instant start = Instant.now();
        Process process = agent.begin();
        while (true) {
            if (!process.isAlive()) {
                throw new AssertionError("the agent exited with " + process.exitValue());
            }
            try {
                if (agent.get("/version").status() == 200) {
                    break;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(5);
        }
        long wall = Duration.between(start, Instant.now()).toMillis();
        String[] stat = Files.readString(Path.of("/proc", String.valueOf(process.pid()), "stat")).split("\\) ")[1].split(" ");
        long cpuTicks = Long.parseLong(stat[11]) + Long.parseLong(stat[12]);
        return wall + " ms (CPU " + cpuTicks * 10 + " ms)";
    }

    /** The resident set, and its anonymous and file-backed parts (the latter: the JVM, the AOT cache, jars), in MiB. */
    private static String rss(AgentProcess agent) throws IOException {
        List<String> status = Files.readAllLines(Path.of("/proc", String.valueOf(agent.pid()), "status"));
        return megabytes(status, "VmRSS") + " MB (anonymous " + megabytes(status, "RssAnon") + ", files "
                + megabytes(status, "RssFile") + ")";
    }

    private static String megabytes(List<String> status, String field) {
        long kilobytes = status.stream().filter(l -> l.startsWith(field + ":"))
                .mapToLong(l -> Long.parseLong(l.replaceAll("\\D", ""))).findFirst().orElseThrow();
        return String.format("%.1f", kilobytes / 1024.0);
    }
}
