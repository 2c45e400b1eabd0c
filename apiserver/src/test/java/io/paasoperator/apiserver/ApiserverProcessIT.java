package io.paasoperator.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.Seeds;
import java.io.IOException;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged apiserver as a user runs it, with zero configuration and with a database of their own. */
class ApiserverProcessIT {

    @TempDir
    Path work;

    @Test
    void zeroConfigurationRunKeepsEveryResourceAcrossAKill() throws Exception {
        Path dataDir = work.resolve("data");
        String name = Seeds.uniqueName("survivor");

        ApiserverProcess apiserver = ApiserverProcess.start(dataDir, ApiserverProcess.freePort(), Map.of(), "zero-config-" + name + ".log");
        try {
            // No PAAS_API_TOKENS: a token is generated, shown once on the console, and only its hash is kept.
            assertEquals(401, apiserver.send("GET", "/apis/v1alpha1/database", null).statusCode());
            Matcher printed = Pattern.compile("Authorization: Bearer (\\S+)").matcher(Files.readString(apiserver.log()));
            assertTrue(printed.find(), "no token was printed");
            String token = printed.group(1);
            apiserver.useToken(token);
            Path hashFile = dataDir.resolve("api-token.sha256");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(hashFile)));
            assertFalse(Files.readString(hashFile).contains(token), "the token itself must not be stored");

            assertEquals(201, apiserver.send("POST", "/apis/v1alpha1/database/create", Seeds.seedBody("database", name)).statusCode());
            assertEquals(409, apiserver.send("POST", "/apis/v1alpha1/database/create", Seeds.seedBody("database", name)).statusCode());
            assertEquals(202, apiserver.send("PUT", "/apis/v1alpha1/database/" + name + "/running", "").statusCode());
            apiserver.kill(); // SIGKILL: its PostgreSQL is left orphaned
            assertTrue(Files.exists(dataDir.resolve("postgres/postmaster.pid")), "the killed run left its server behind");

            apiserver.restart();
            Matcher again = Pattern.compile("Authorization: Bearer").matcher(Files.readString(apiserver.log()));
            assertTrue(again.find() && !again.find(), "the token is printed at the first start only");
            HttpResponse<String> status = apiserver.send("GET", "/apis/v1alpha1/database/" + name + "/status", null);
            assertEquals(200, status.statusCode());
            assertTrue(status.body().contains("\"expect\":\"running\""), status.body());
            assertTrue(Files.exists(dataDir.resolve("secret.key")));
            assertTrue(apiserver.stop(), "SIGTERM should stop it cleanly");
            // Cleanly: its database stopped after it, not under its open connections (which printed stack traces).
            List<String> traces = Files.readAllLines(apiserver.log()).stream()
                    .filter(line -> line.startsWith("\tat ") || line.contains("terminating connection")).toList();
            assertEquals(List.of(), traces, "stack traces in " + apiserver.log());
            // A name already taken is an ordinary 409, not an error in PostgreSQL's log (which is this log too); and the
            // WARN of the PostgreSQL client's gauge registered twice at each of the two starts is a known false alarm
            // (KnownFalseAlarms), left out.
            assertEquals(List.of(), Files.readAllLines(apiserver.log()).stream()
                    .filter(line -> line.contains("duplicate key") || line.contains("already registered")).toList());
            // A pass the stop cut short (the resource is reconciled at start, and stopped at once) is no failure.
            assertEquals(List.of(), Files.readAllLines(apiserver.log()).stream()
                    .filter(line -> line.contains("failed, trying again")).toList());
        } finally {
            apiserver.close();
        }
        awaitGone(dataDir.resolve("postgres/postmaster.pid"));
    }

    @Test
    void aConfiguredDatabaseIsUsedAndNoEmbeddedOneStarts() throws Exception {
        Path dataDir = work.resolve("data");
        try (LocalPostgres external = LocalPostgres.start(work.resolve("external-pg"));
                ApiserverProcess apiserver = ApiserverProcess.start(dataDir, ApiserverProcess.freePort(),
                        ApiserverProcess.externalDatabase(external), "external-db.log")) {
            String name = Seeds.uniqueName("external");
            assertEquals(201, apiserver.send("POST", "/apis/v1alpha1/middleware/create", Seeds.seedBody("middleware", name)).statusCode());
            assertFalse(Files.exists(dataDir.resolve("postgres")), "an embedded PostgreSQL was started anyway");
        }
    }

    /**
     * Clients that keep connecting while the apiserver stops (a watch resumes at once when its stream ends) meet an
     * acceptor still open after the event loops closed: Vert.x 4 logs a WARN with a stack trace for each such
     * connection (eclipse-vertx/vert.x#6087), a false alarm that KnownFalseAlarms leaves out. The stop is clean.
     */
    @Test
    void aStopWhileClientsKeepConnectingLogsNoWarning() throws Exception {
        Files.deleteIfExists(Path.of("target", "it-logs", "stop-under-connections.log")); // this run's lines only
        try (LocalPostgres external = LocalPostgres.start(work.resolve("external-pg"));
                ApiserverProcess apiserver = ApiserverProcess.start(work.resolve("data"), ApiserverProcess.freePort(),
                        ApiserverProcess.externalDatabase(external), "stop-under-connections.log")) {
            AtomicBoolean stopped = new AtomicBoolean();
            AtomicInteger answered = new AtomicInteger();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                Thread client = new Thread(() -> {
                    while (!stopped.get()) {
                        try (Socket socket = new Socket(apiserver.host, apiserver.port)) {
                            socket.setSoTimeout(2000);
                            socket.getOutputStream().write(("GET /q/health/live HTTP/1.1\r\nHost: " + apiserver.host
                                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                            if (socket.getInputStream().readAllBytes().length > 0) {
                                answered.incrementAndGet();
                            }
                        } catch (IOException refusedOrReset) {
                            // Expected once it stops: connect again until the test ends.
                        }
                    }
                });
                client.start();
                clients.add(client);
            }
            Thread.sleep(1000);
            assertTrue(answered.get() > 0, "no client was answered before the stop");
            assertTrue(apiserver.stop(), "SIGTERM should stop it cleanly");
            stopped.set(true);
            for (Thread client : clients) {
                client.join(10_000);
            }
            List<String> noise = Files.readAllLines(apiserver.log()).stream().filter(line -> line.contains("ServerBootstrap")
                    || line.contains(" ERROR ") || line.startsWith("\tat ")).toList();
            assertEquals(List.of(), noise, "warnings in " + apiserver.log());
        }
    }

    private static void awaitGone(Path file) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (Files.exists(file) && Instant.now().isBefore(deadline)) {
            Thread.sleep(200);
        }
        assertFalse(Files.exists(file), file + " is still there: the embedded PostgreSQL did not stop");
    }
}
