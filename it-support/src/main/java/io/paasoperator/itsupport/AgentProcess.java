package io.paasoperator.itsupport;

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

/**
 * The packaged agent ({@code agent/target/quarkus-app/quarkus-run.jar}) run as an agent installed by other means would
 * be: on one loopback address, a free port, its secret in its environment (never on its command line). It runs no SSH
 * server, so the apiserver can only call it once it is registered with {@code PUT /apis/v1alpha1/hosts/{ip}}.
 */
public final class AgentProcess implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("agent.jar", "../agent/target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath().normalize();

    public final String ip;
    public final int port;
    public final Path home;
    private final Process process;

    private AgentProcess(String ip, int port, Path home, Process process) {
        this.ip = ip;
        this.port = port;
        this.home = home;
        this.process = process;
    }

    /** Starts the agent on {@code ip}, keeping its applications under {@code home}; returns once it answers. */
    public static AgentProcess start(String ip, Path home, String secret, String operatorUrl, Path log) throws Exception {
        return start(ip, freePort(ip), home, secret, operatorUrl, log);
    }

    /** A port free on {@code ip} now: for an agent to start on later. */
    public static int freePort(String ip) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            return socket.getLocalPort();
        }
    }

    /** Starts the agent on {@code ip} and {@code port}, keeping its applications under {@code home}; returns once it answers. */
    public static AgentProcess start(String ip, int port, Path home, String secret, String operatorUrl, Path log) throws Exception {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException("build the agent first (./mvnw -B verify builds it before this module): " + JAR);
        }
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("AGENT_") || k.startsWith("OPERATOR_"));
        builder.environment().put("AGENT_HOME", Files.createDirectories(home).toString());
        builder.environment().put("AGENT_BIND", ip);
        builder.environment().put("AGENT_PORT", String.valueOf(port));
        builder.environment().put("AGENT_SECRET", secret);
        builder.environment().put("OPERATOR_URL", operatorUrl);
        Files.createDirectories(log.getParent());
        Process process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        AgentProcess agent = new AgentProcess(ip, port, home, process);
        try {
            agent.awaitAnswer(log);
        } catch (Exception | Error notAnswering) {
            agent.close();
            throw notAnswering;
        }
        return agent;
    }

    /** The agent's process id: for a test that freezes it (SIGSTOP) or kills it. */
    public long pid() {
        return process.pid();
    }

    /** Where this agent keeps one application's files. */
    public Path appHome(String type, String name) {
        return home.resolve("apps").resolve(type).resolve(name);
    }

    private void awaitAnswer(Path log) throws Exception {
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest version = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + "/version"))
                .timeout(Duration.ofSeconds(2)).build();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("the agent on " + ip + " exited; see " + log);
            }
            try {
                if (http.send(version, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notListeningYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException("the agent on " + ip + " did not answer within 60 s; see " + log);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
