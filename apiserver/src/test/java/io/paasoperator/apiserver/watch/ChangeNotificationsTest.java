package io.paasoperator.apiserver.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
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

    private static ChangeNotifications notifications(Vertx vertx) {
        return new ChangeNotifications(vertx, new SimpleMeterRegistry(), settings.get("quarkus.datasource.reactive.url"),
                Optional.of(settings.get("quarkus.datasource.username")), Optional.of(settings.get("quarkus.datasource.password")));
    }

    /** Waits up to 2 s for the number of this test's LISTEN connections to be {@code expected}, and stay so 0.5 s. */
    private static void assertListeners(int expected, String when) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(2).toNanos();
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
}
