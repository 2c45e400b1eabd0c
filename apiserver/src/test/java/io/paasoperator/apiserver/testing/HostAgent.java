package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** A simulated host: the packaged agent, a real process, bound to its own loopback address. */
public final class HostAgent implements AutoCloseable {

    static final Path JAR = Path.of(System.getProperty("agent.jar", "../agent/target/quarkus-app/quarkus-run.jar"));

    public final String ip;
    public final int port;
    public final Path home;
    private final Process process;

    private HostAgent(String ip, int port, Path home, Process process) {
        this.ip = ip;
        this.port = port;
        this.home = home;
        this.process = process;
    }

    public static HostAgent start(String ip, Path home) throws Exception {
        if (!Files.exists(JAR)) {
            throw new AssertionError("build the agent first: " + JAR.toAbsolutePath());
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            port = socket.getLocalPort();
        }
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("agent-" + ip + ".log");
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.startsWith("QUARKUS_"));
        builder.environment().put("AGENT_BIND", ip);
        builder.environment().put("AGENT_PORT", String.valueOf(port));
        builder.environment().put("AGENT_HOME", home.toString());
        builder.environment().put("AGENT_INSECURE", "true");
        Process process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        HostAgent agent = new HostAgent(ip, port, home, process);
        agent.awaitReady(log);
        return agent;
    }

    private void awaitReady(Path log) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the agent on " + ip + " exited; see " + log);
            }
            try {
                HttpResponse<Void> answer = http.send(HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + "/version"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding());
                if (answer.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the agent on " + ip + " did not answer; see " + log);
    }

    public Path appHome(String type, String name) {
        return home.resolve("apps").resolve(type).resolve(name);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
