package io.paasoperator.apiserver.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.vertx.core.Vertx;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The LISTEN connection against a real PostgreSQL: a stop that comes while it is still being made (an apiserver stopped
 * right after it started) leaves no connection behind; one left open would be cut by the database's own stop after
 * Vert.x had closed, an ERROR with a stack trace in the apiserver's last lines.
 */
class ChangeNotificationsTest {

    private static LocalPostgres postgres;
    private static Map<String, String> settings;

    @BeforeAll
    static void startTheDatabase() throws Exception {
        postgres = LocalPostgres.start(Files.createTempDirectory(Files.createDirectories(Path.of("target")), "notifications-pg-"));
        settings = postgres.datasourceSettings();
    }

    @AfterAll
    static void stopTheDatabase() throws Exception {
        if (postgres != null) {
            postgres.close();
        }
    }

    @Test
    void aStopWhileTheListenConnectionIsBeingMadeLeavesNoConnection() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            for (int round = 0; round < 5; round++) {
                ChangeNotifications notifications = notifications(vertx);
                notifications.start(null);
                notifications.stop(null); // before the connection is made: it takes a few round trips
                assertListeners(0, "after stop " + round);
            }
            // And one that was made is closed by the stop, as before.
            ChangeNotifications listening = notifications(vertx);
            listening.start(null);
            assertListeners(1, "listening");
            listening.stop(null);
            assertListeners(0, "after the last stop");
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    @Test
    void aFirstConnectionThatFailsIsTriedAgainUntilTheDatabaseAnswers() throws Exception {
        Vertx vertx = Vertx.vertx();
        URI database = URI.create(settings.get("quarkus.datasource.reactive.url").replaceFirst("^[a-z]+:", "tcp:"));
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = probe.getLocalPort();
        }
        // The database behind a port where nothing answers yet, as when the apiserver starts before its database.
        ChangeNotifications notifications = notifications(vertx,
                settings.get("quarkus.datasource.reactive.url").replace(":" + database.getPort() + "/", ":" + port + "/"));
        try {
            notifications.start(null);
            Thread.sleep(1500); // a first connection refused, and a second
            assertListeners(0, "while nothing answers");
            try (Forwarder answering = new Forwarder(port, database.getHost(), database.getPort())) {
                assertListeners(1, "once the database answers");
                notifications.stop(null);
                assertListeners(0, "after the stop");
            }
        } finally {
            notifications.stop(null);
            vertx.close().toCompletionStage().toCompletableFuture().get();
        }
    }

    private static ChangeNotifications notifications(Vertx vertx) {
        return notifications(vertx, settings.get("quarkus.datasource.reactive.url"));
    }

    private static ChangeNotifications notifications(Vertx vertx, String url) {
        return new ChangeNotifications(vertx, new SimpleMeterRegistry(), url,
                Optional.of(settings.get("quarkus.datasource.username")), Optional.of(settings.get("quarkus.datasource.password")));
    }

    /** Waits up to 5 s for the number of this test's LISTEN connections to be {@code expected}, and stay so 0.5 s. */
    private static void assertListeners(int expected, String when) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        int seen = -1;
        long steadySince = System.nanoTime();
        while (System.nanoTime() < deadline) {
            int now = listeners();
            if (now != seen) {
                seen = now;
                steadySince = System.nanoTime();
            } else if (seen == expected && System.nanoTime() - steadySince > Duration.ofMillis(500).toNanos()) {
                return;
            }
            Thread.sleep(50);
        }
        assertEquals(expected, seen, "LISTEN connections " + when);
    }

    private static int listeners() throws Exception {
        try (Connection db = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"),
                settings.get("quarkus.datasource.username"), settings.get("quarkus.datasource.password"));
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("select count(*) from pg_stat_activity where backend_type = 'client backend'"
                        + " and pid <> pg_backend_pid()")) {
            rows.next();
            return rows.getInt(1);
        }
    }

    /** Passes TCP connections from a local port on to the database: the database "coming up" on that port. */
    private static final class Forwarder implements AutoCloseable {

        private final ServerSocket server;
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();

        Forwarder(int port, String host, int targetPort) throws Exception {
            server = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"));
            Thread acceptor = new Thread(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket client = server.accept();
                        Socket upstream = new Socket(host, targetPort);
                        sockets.add(client);
                        sockets.add(upstream);
                        pump(client, upstream);
                        pump(upstream, client);
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private static void pump(Socket from, Socket to) {
            Thread pump = new Thread(() -> {
                try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                    in.transferTo(out);
                } catch (Exception ended) {
                    // either side closed
                }
            });
            pump.setDaemon(true);
            pump.start();
        }

        @Override
        public void close() throws Exception {
            server.close();
            for (Socket socket : sockets) {
                socket.close();
            }
        }
    }
}
