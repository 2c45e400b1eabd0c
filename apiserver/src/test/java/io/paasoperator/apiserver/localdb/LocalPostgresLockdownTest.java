package io.paasoperator.apiserver.localdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The zero-configuration database takes only its password: initdb's server trusts every local account, which would
 * make any account on the machine its superuser (and so able to run code as the apiserver's user).
 */
class LocalPostgresLockdownTest {

    @TempDir
    Path work;

    @Test
    void onlyThePasswordKeptOwnerOnlyBesideTheDataLogsInAndAnOldTrustingServerIsLockedDown() throws Exception {
        Path data = work.resolve("postgres");
        Map<String, String> settings;
        try (LocalPostgres postgres = LocalPostgres.start(data, false)) {
            settings = postgres.datasourceSettings();
            assertLogsInOnlyWithItsPassword(settings);
            assertFalse(Files.exists(Path.of("/tmp/.s.PGSQL." + postgres.port())), "a Unix socket in /tmp");
        }
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("postgres-password"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(work.resolve("postgres-bin"))));

        // A data directory an older release made: initdb's "trust" for everyone. The next start locks it down.
        Files.writeString(data.resolve("pg_hba.conf"), "local all all trust\nhost all all 127.0.0.1/32 trust\n");
        try (LocalPostgres postgres = LocalPostgres.start(data, false)) {
            assertEquals(settings.get("quarkus.datasource.password"), postgres.datasourceSettings().get("quarkus.datasource.password"),
                    "the password is kept across starts");
            assertLogsInOnlyWithItsPassword(postgres.datasourceSettings());
        }
        assertTrue(Files.readString(data.resolve("pg_hba.conf")).startsWith(LocalPostgres.HBA_MARKER));
    }

    /** The embedding library's scratch settings (fsync and synchronous_commit off) would lose or damage records in a crash. */
    @Test
    void everyCommitIsOnDiskBeforeItIsAnswered() throws Exception {
        try (LocalPostgres postgres = LocalPostgres.start(work.resolve("durable"), false)) {
            Map<String, String> settings = postgres.datasourceSettings();
            try (Connection db = DriverManager.getConnection(settings.get("quarkus.datasource.jdbc.url"), "postgres",
                    settings.get("quarkus.datasource.password"))) {
                for (String setting : new String[] {"fsync", "synchronous_commit", "full_page_writes"}) {
                    try (ResultSet row = db.createStatement().executeQuery("show " + setting)) {
                        assertTrue(row.next());
                        assertEquals("on", row.getString(1), setting);
                    }
                }
            }
        }
    }

    private static void assertLogsInOnlyWithItsPassword(Map<String, String> settings) throws SQLException {
        String url = settings.get("quarkus.datasource.jdbc.url");
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", "").close(), "no password");
        assertThrows(SQLException.class, () -> DriverManager.getConnection(url, "postgres", "wrong").close(), "a wrong one");
        try (Connection db = DriverManager.getConnection(url, "postgres", settings.get("quarkus.datasource.password"));
                ResultSet row = db.createStatement().executeQuery("select 1")) {
            assertTrue(row.next());
        }
    }
}
