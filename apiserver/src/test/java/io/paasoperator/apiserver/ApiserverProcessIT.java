package io.paasoperator.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.paasoperator.apiserver.testing.Seeds;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged apiserver as a user runs it: {@code java -jar apiserver/target/quarkus-app/quarkus-run.jar}. */
class ApiserverProcessIT {

    private static final Path JAR = Path.of(System.getProperty("apiserver.jar", "target/quarkus-app/quarkus-run.jar"));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @TempDir
    Path work;

    @Test
    void zeroConfigurationRunKeepsEveryResourceAcrossAKill() throws Exception {
        Path dataDir = work.resolve("data");
        int port = freePort();
        String name = Seeds.uniqueName("survivor");

        Process first = start(dataDir, port, Map.of(), "first.log");
        try {
            awaitReady(port, first);
            assertEquals(201, send(port, "POST", "/apis/v1alpha1/database/create", Seeds.seedBody("database", name)).statusCode());
            assertEquals(202, send(port, "PUT", "/apis/v1alpha1/database/" + name + "/running", "").statusCode());
        } finally {
            first.destroyForcibly().waitFor(30, TimeUnit.SECONDS); // SIGKILL: its PostgreSQL is left orphaned
        }
        assertTrue(Files.exists(dataDir.resolve("postgres/postmaster.pid")), "the killed run left its server behind");

        Process second = start(dataDir, port, Map.of(), "second.log");
        try {
            awaitReady(port, second);
            HttpResponse<String> status = send(port, "GET", "/apis/v1alpha1/database/" + name + "/status", null);
            assertEquals(200, status.statusCode());
            assertTrue(status.body().contains("\"expect\":\"running\""), status.body());
            assertTrue(Files.exists(dataDir.resolve("secret.key")));
        } finally {
            second.destroy(); // SIGTERM: a clean stop takes its PostgreSQL down too
            assertTrue(second.waitFor(60, TimeUnit.SECONDS));
        }
        awaitGone(dataDir.resolve("postgres/postmaster.pid"));
    }

    @Test
    void aConfiguredDatabaseIsUsedAndNoEmbeddedOneStarts() throws Exception {
        Path dataDir = work.resolve("data");
        try (LocalPostgres external = LocalPostgres.start(work.resolve("external-pg"))) {
            Map<String, String> settings = external.datasourceSettings();
            Map<String, String> env = Map.of(
                    "QUARKUS_DATASOURCE_REACTIVE_URL", settings.get("quarkus.datasource.reactive.url"),
                    "QUARKUS_DATASOURCE_JDBC_URL", settings.get("quarkus.datasource.jdbc.url"),
                    "QUARKUS_DATASOURCE_USERNAME", settings.get("quarkus.datasource.username"));
            int port = freePort();
            Process apiserver = start(dataDir, port, env, "external.log");
            try {
                awaitReady(port, apiserver);
                String name = Seeds.uniqueName("external");
                assertEquals(201, send(port, "POST", "/apis/v1alpha1/middleware/create", Seeds.seedBody("middleware", name)).statusCode());
                assertFalse(Files.exists(dataDir.resolve("postgres")), "an embedded PostgreSQL was started anyway");
            } finally {
                apiserver.destroy();
                apiserver.waitFor(60, TimeUnit.SECONDS);
            }
        }
    }

    private Process start(Path dataDir, int port, Map<String, String> extraEnv, String logName) throws IOException {
        assertTrue(Files.exists(JAR), "build the apiserver first: " + JAR.toAbsolutePath());
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", JAR.toAbsolutePath().toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("QUARKUS_") || k.startsWith("PAAS_"));
        builder.environment().put("PAAS_DATA_DIR", dataDir.toString());
        builder.environment().put("QUARKUS_HTTP_PORT", String.valueOf(port));
        builder.environment().putAll(extraEnv);
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve(logName);
        return builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    private static void awaitReady(int port, Process process) throws Exception {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(120));
        while (Instant.now().isBefore(deadline)) {
            assertTrue(process.isAlive(), "the apiserver exited with " + (process.isAlive() ? "" : process.exitValue()));
            try {
                if (send(port, "GET", "/q/health/ready", null).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("the apiserver did not become ready within 120 s");
    }

    private static void awaitGone(Path file) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Files.exists(file) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertFalse(Files.exists(file), file + " is still there: the embedded PostgreSQL did not stop");
    }

    private static HttpResponse<String> send(int port, String method, String path, String body) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .header("Content-Type", "application/json").build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
