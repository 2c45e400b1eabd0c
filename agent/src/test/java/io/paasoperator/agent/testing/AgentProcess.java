package io.paasoperator.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged agent, started as a real process bound to one loopback address: one simulated host. The self-contained
 * build's {@code launch} when the build gives one (agent.launch: its own Java runtime, JVM options and class-data archive, as
 * hosts run it), else {@code java -jar}.
 */
public final class AgentProcess implements AutoCloseable {

    public static final Path JAR = Path.of(System.getProperty("agent.jar", "target/quarkus-app/quarkus-run.jar"));
    private static final String LAUNCH = System.getProperty("agent.launch", "");
    private static boolean checked;
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    public final String ip;
    public final int port;
    public final Path home;
    private final String secret;
    private final Map<String, String> env;
    private final Path log;
    private final boolean jar;
    private Process process;

    public record Answer(int status, JsonNode body) {
    }

    private AgentProcess(String ip, int port, Path home, String secret, Map<String, String> env, Path log, boolean jar) {
        this.jar = jar;
        this.ip = ip;
        this.port = port;
        this.home = home;
        this.secret = secret;
        this.env = env;
        this.log = log;
    }

    /** Starts an agent on {@code ip}, with {@code secret} (null: AGENT_INSECURE) and extra settings. */
    public static AgentProcess start(String ip, Path home, String secret, Map<String, String> settings, String logName)
            throws Exception {
        AgentProcess agent = prepare(ip, home, secret, settings, logName, LAUNCH.isEmpty());
        agent.launch();
        agent.awaitReady();
        return agent;
    }

    /** An agent not started yet ({@link #begin()} starts it): {@code jar}, or the self-contained build's launch. */
    public static AgentProcess prepare(String ip, Path home, String secret, Map<String, String> settings, String logName,
            boolean jar) throws IOException {
        if (!jar && LAUNCH.isEmpty()) {
            throw new AssertionError("no self-contained agent: run through Maven (agent.launch)");
        }
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(logName);
        return new AgentProcess(ip, freePort(ip), home, secret, settings, log, jar);
    }

    public Process launchRaw() throws IOException {
        ProcessBuilder builder = jar
                ? new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                        JAR.toAbsolutePath().toString())
                : new ProcessBuilder(checkedLaunch());
        builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_") || k.startsWith("QUARKUS_") || k.equals("OPERATOR_URL"));
        builder.environment().put("AGENT_BIND", ip);
        builder.environment().put("AGENT_PORT", String.valueOf(port));
        builder.environment().put("AGENT_HOME", home.toString());
        if (secret != null) {
            builder.environment().put("AGENT_SECRET", secret);
        }
        builder.environment().putAll(env);
        return builder.redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    }

    /** The launcher, once its --check (which an install runs first, and which makes the class-data archive) has passed. */
    public static synchronized String checkedLaunch() throws IOException {
        if (!checked) {
            Process check = new ProcessBuilder(LAUNCH, "--check").redirectErrorStream(true).start();
            String output = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            try {
                if (check.waitFor() != 0) {
                    throw new AssertionError(LAUNCH + " --check failed: " + output);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            checked = true;
        }
        return LAUNCH;
    }

    private void launch() throws IOException {
        process = launchRaw();
    }

    /** Starts it without waiting for it to answer; answers its process. */
    public Process begin() throws IOException {
        launch();
        return process;
    }

    /** SIGKILL, as a crash or an OOM killer would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    }

    public void restart() throws Exception {
        launch();
        awaitReady();
    }

    /** Where the agent's output goes. */
    public Path log() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    private void awaitReady() throws Exception {
        Instant deadline = Instant.now().plusSeconds(60);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new AssertionError("the agent exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (get("/version").status() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("the agent did not answer within 60 s; see " + log);
    }

    public Answer post(String path, Object body) throws Exception {
        return send("POST", path, JSON.writeValueAsString(body), secret);
    }

    public Answer get(String path) throws Exception {
        return send("GET", path, null, secret);
    }

    public Answer send(String method, String path, String body, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json");
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        return new Answer(response.statusCode(), json);
    }

    /** A GET answered with text (an operation's log), or a problem; {@code bearer} null sends no secret. */
    public HttpResponse<String> getText(String path, String bearer) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + ip + ":" + port + path))
                .timeout(Duration.ofSeconds(60)).GET();
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> getText(String path) throws Exception {
        return getText(path, secret);
    }

    /** Posts an action and waits until its operation has finished; returns the operation. */
    public JsonNode runToEnd(String action, Object body) throws Exception {
        Answer accepted = post("/" + action, body);
        if (accepted.status() != 202) {
            throw new AssertionError(action + " answered " + accepted.status() + ": " + accepted.body());
        }
        return awaitOperation(accepted.body().get("id").asText());
    }

    public JsonNode awaitOperation(String id) throws Exception {
        Instant deadline = Instant.now().plusSeconds(90);
        while (Instant.now().isBefore(deadline)) {
            JsonNode operation = get("/operations/" + id).body();
            if (!operation.path("state").asText().equals("running")) {
                return operation;
            }
            Thread.sleep(100);
        }
        throw new AssertionError("operation " + id + " did not finish");
    }

    public static Map<String, Object> request(String name, String type, String repoUrl, String script,
            Map<String, String> metadata, int operatorPort) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("type", type);
        body.put("operator_ip", "127.0.0.1");
        body.put("operator_port", String.valueOf(operatorPort));
        body.put("repo_url", repoUrl);
        body.put("install", "install.sh");
        body.put("start", "start.sh");
        body.put("stop", "stop.sh");
        body.put("check", "check.sh");
        body.put("uninstall", "uninstall.sh");
        if (script.equals("webapp")) {
            body.put("restart", "restart.sh");
            body.put("package", "site.tar.gz");
        }
        body.put("metadata", metadata);
        body.put("check_interval", 1);
        return body;
    }

    public static int freePort(String ip) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(ip))) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
