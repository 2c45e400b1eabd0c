package io.paasoperator.apiserver.testing;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * An agent installed by other means, as cloud-init or configuration management would start one: the agent jar run
 * directly on {@code ip}, with its secret in its environment (never on its command line) and no AGENT_BUILD. No SSH
 * server is started for it: the apiserver can only call it.
 */
public final class InstalledAgent implements AutoCloseable {

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public final String ip;
    public final int port;
    public final Path home;
    private final Process process;

    private InstalledAgent(String ip, int port, Path home, Process process) {
        this.ip = ip;
        this.port = port;
        this.home = home;
        this.process = process;
    }

    /** Starts the agent on {@code ip} (a free port), keeping its applications under {@code home}; waits until it answers. */
    public static InstalledAgent start(String ip, Path home, String secret, String operatorUrl, String logName) throws Exception {
        assertTrue(Files.exists(ApiserverProcess.AGENT_JAR), "build the agent first: " + ApiserverProcess.AGENT_JAR);
        int port = SshTestHost.freePort(ip);
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(logName);
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", ApiserverProcess.AGENT_JAR.toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("AGENT_") || k.startsWith("OPERATOR_"));
        builder.environment().put("AGENT_HOME", Files.createDirectories(home).toString());
        builder.environment().put("AGENT_BIND", ip);
        builder.environment().put("AGENT_PORT", String.valueOf(port));
        builder.environment().put("AGENT_SECRET", secret);
        builder.environment().put("OPERATOR_URL", operatorUrl);
        Process process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        InstalledAgent agent = new InstalledAgent(ip, port, home, process);
        try {
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).alias("the agent on " + ip + " answering")
                    .until(agent::answers);
        } catch (RuntimeException | Error e) {
            agent.close();
            throw e;
        }
        return agent;
    }

    public Path appHome(String type, String name) {
        return home.resolve("apps").resolve(type).resolve(name);
    }

    private boolean answers() throws InterruptedException {
        assertTrue(process.isAlive(), "the agent on " + ip + " exited");
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + "/version"))
                    .timeout(Duration.ofSeconds(2)).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
