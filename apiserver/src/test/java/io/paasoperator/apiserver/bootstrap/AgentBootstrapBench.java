package io.paasoperator.apiserver.bootstrap;

import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.SshTestHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How long a host with nothing but SSH takes to get its agent and run an application, alone and eight at once:
 * {@code ./mvnw -B verify -Pbench -pl apiserver -am}. Each host is an Apache MINA SSH server on its own loopback
 * address; the apiserver is the packaged jar, uploading the agent's jar build. Prints the time from PUT running to
 * the resource running (bootstrap, install, start, first healthy check).
 */
class AgentBootstrapBench {

    @Test
    void bootstrapOneHostThenEightAtOnce() throws Exception {
        try (LocalSystem system = LocalSystem.start("bootstrap-bench")) {
            List<SshTestHost> hosts = new ArrayList<>();
            try {
                for (int i = 0; i < 9; i++) {
                    Path base = Files.createDirectories(system.work.resolve("bench-host-" + i));
                    hosts.add(SshTestHost.start("127.0.0." + (50 + i), base));
                }
                long alone = toRunning(system, hosts.subList(0, 1)).get(0);
                Instant start = Instant.now();
                List<Long> together = toRunning(system, hosts.subList(1, 9));
                long wall = Duration.between(start, Instant.now()).toMillis();
                Collections.sort(together);
                List<Long> ssh = hosts.subList(1, 9).stream()
                        .map(h -> Duration.between(h.sessions.get(0)[0], h.sessions.get(0)[1]).toMillis()).sorted().toList();
                System.out.printf("%nSSH bootstrap to running: one host %d ms (of which SSH %d ms); eight at once: %d ms in all,"
                        + " per host min %d, median %d, max %d ms (of which SSH: median %d, max %d ms)%n%n",
                        alone, Duration.between(hosts.get(0).sessions.get(0)[0], hosts.get(0).sessions.get(0)[1]).toMillis(),
                        wall, together.get(0), together.get(4), together.get(7), ssh.get(4), ssh.get(7));
            } finally {
                for (SshTestHost host : hosts) {
                    host.close();
                }
            }
        }
    }

    /** PUTs running on one fresh resource per host at once; answers each one's time to running, in ms. */
    private static List<Long> toRunning(LocalSystem system, List<SshTestHost> hosts) throws Exception {
        for (SshTestHost host : hosts) {
            system.create("middleware", name(host), host, "counter", Map.of("INSTALL_SECONDS", "0"));
        }
        Instant sent = Instant.now();
        for (SshTestHost host : hosts) {
            system.put("middleware", name(host), "running");
        }
        Map<String, Long> running = new HashMap<>();
        Instant deadline = sent.plus(Duration.ofMinutes(3));
        while (running.size() < hosts.size()) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("not all running within 3 minutes: " + running);
            }
            for (SshTestHost host : hosts) {
                if (!running.containsKey(name(host))
                        && system.realtime(system.apiserver, "middleware", name(host)).equals("running")) {
                    running.put(name(host), Duration.between(sent, Instant.now()).toMillis());
                }
            }
            Thread.sleep(50);
        }
        return new ArrayList<>(running.values());
    }

    private static String name(SshTestHost host) {
        return "bench-" + host.ip.replace('.', '-');
    }
}
