package io.paasoperator.apiserver.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The packaged apiserver as a user runs it: {@code java -jar apiserver/target/quarkus-app/quarkus-run.jar}. */
public final class ApiserverProcess implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("apiserver.jar", "target/quarkus-app/quarkus-run.jar"));
    /** The agent the apiserver installs on hosts (PAAS_AGENT_EXECUTABLE): the jar build, hosts use this machine's Java. */
    public static final Path AGENT_JAR = Path.of(System.getProperty("agent.jar", "../agent/target/quarkus-app/quarkus-run.jar"))
            .toAbsolutePath().normalize();
    /** The self-contained agent (its own Java runtime; hosts need none), as the build packs it. */
    public static final Path SELF_CONTAINED_AGENT = Path.of(System.getProperty("agent.self-contained",
            "../agent/target/paas-agent-self-contained.tar.gz")).toAbsolutePath().normalize();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public final int port;
    /** The address it listens on: QUARKUS_HTTP_HOST when the test sets one, else 127.0.0.1. */
    public final String host;
    private final Path dataDir;
    private final Map<String, String> env;
    private final Path log;
    private Process process;
    private String token;

    private ApiserverProcess(int port, Path dataDir, Map<String, String> env, Path log) {
        this.port = port;
        this.dataDir = dataDir;
        this.env = env;
        this.log = log;
        this.host = env.getOrDefault("QUARKUS_HTTP_HOST", "127.0.0.1");
        String configured = env.get("PAAS_API_TOKENS");
        this.token = configured == null ? null : configured.split(",")[0];
    }

    /** The API token to send (the zero-configuration run prints the one it generates). */
    public void useToken(String apiToken) {
        this.token = apiToken;
    }

    /** Starts it with {@code PAAS_DATA_DIR=dataDir} and {@code env}, and waits until it is ready. */
    public static ApiserverProcess start(Path dataDir, int port, Map<String, String> env, String logName) throws Exception {
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(logName);
        ApiserverProcess apiserver = new ApiserverProcess(port, dataDir, env, log);
        apiserver.launch();
        apiserver.awaitReady();
        return apiserver;
    }

    private void launch() throws IOException {
        assertTrue(Files.exists(JAR), "build the apiserver first: " + JAR.toAbsolutePath());
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("PAAS_") || k.startsWith("OPERATOR_"));
        builder.environment().put("PAAS_DATA_DIR", dataDir.toString());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        builder.environment().putAll(env);
        process = builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** Starts it again after {@link #kill()}, with the same settings. */
    public void restart() throws Exception {
        launch();
        awaitReady();
    }

    public void awaitReady() throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            assertTrue(process.isAlive(), "the apiserver exited; see " + log);
            try {
                if (send("GET", "/q/health/ready", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the apiserver did not become ready within 120 s; see " + log);
    }

    public HttpResponse<String> send(String method, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** SIGKILL: no shutdown of any kind. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM, and waits for a clean stop. */
    public boolean stop() throws InterruptedException {
        process.destroy();
        return process.waitFor(60, TimeUnit.SECONDS);
    }

    public Path log() {
        return log;
    }

    /** The environment that points an apiserver at {@code database} instead of an embedded one. */
    public static Map<String, String> externalDatabase(LocalPostgres database) {
        Map<String, String> settings = database.datasourceSettings();
        return Map.of(
                "PAAS_API_TOKENS", "it-token-" + ProcessHandle.current().pid(),
                "QUARKUS_DATASOURCE_REACTIVE_URL", settings.get("quarkus.datasource.reactive.url"),
                "QUARKUS_DATASOURCE_JDBC_URL", settings.get("quarkus.datasource.jdbc.url"),
                "QUARKUS_DATASOURCE_USERNAME", settings.get("quarkus.datasource.username"),
                "QUARKUS_DATASOURCE_PASSWORD", settings.get("quarkus.datasource.password"));
    }

    public static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive() && !stop()) {
            process.destroyForcibly();
        }
    }
}
