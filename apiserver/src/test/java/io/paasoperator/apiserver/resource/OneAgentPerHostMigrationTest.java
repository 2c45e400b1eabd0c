package io.paasoperator.apiserver.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.ConfigProvider;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * V14 puts the one-agent-per-host rule in the database. A database written before it may hold resources that disagree
 * about a host (two creates sent at once both passed the old check): the migration must still apply, keep every resource
 * and spec, and leave the rule holding for what is written after.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class OneAgentPerHostMigrationTest {

    @Test
    void hostsThatDisagreedBeforeTheRuleKeepTheirRegisteredElseOldestAgreement() throws Exception {
        String database = "before_v14_" + ProcessHandle.current().pid();
        try (Connection admin = TestDatabase.connect(); Statement st = admin.createStatement()) {
            st.execute("drop database if exists " + database);
            st.execute("create database " + database);
        }
        String url = ConfigProvider.getConfig().getValue("quarkus.datasource.jdbc.url", String.class)
                .replaceFirst("/[^/]*$", "/" + database);
        String user = ConfigProvider.getConfig().getValue("quarkus.datasource.username", String.class);
        String password = ConfigProvider.getConfig().getValue("quarkus.datasource.password", String.class);
        Flyway.configure().dataSource(url, user, password).target("13").load().migrate();
        try (Connection db = DriverManager.getConnection(url, user, password); Statement st = db.createStatement()) {
            // Host .10: 'first' (oldest) on port 3335 as alice; 'second' on 3336 as bob; 'third' on 3335 as carol;
            // 'fourth' on 3335 with no account; 'leaving' being removed from it. Host .11: 'second' alone, on 3336.
            // Host .12, whose agent is registered on 3336: 'first' on 3335, 'third' on 3336.
            for (String name : List.of("first", "second", "third", "fourth", "leaving")) {
                st.execute("insert into resource (kind, name, app_spec, hosts, host_states, expect, realtime, realtime_since,"
                        + " created_at, updated_at, due_at) values ('database', '" + name + "', '{}', '[]', '[]', 'stopped',"
                        + " 'stopped', now(), now(), now(), now())");
            }
            st.execute("insert into resource_host (ip, kind, name, agent_port, account) values"
                    + " ('127.0.0.10', 'database', 'first', 3335, 'alice'), ('127.0.0.10', 'database', 'second', 3336, 'bob'),"
                    + " ('127.0.0.10', 'database', 'third', 3335, 'carol'), ('127.0.0.10', 'database', 'fourth', 3335, null),"
                    + " ('127.0.0.10', 'database', 'leaving', null, null), ('127.0.0.11', 'database', 'second', 3336, 'bob'),"
                    + " ('127.0.0.12', 'database', 'first', 3335, null), ('127.0.0.12', 'database', 'third', 3336, null)");
            st.execute("insert into agent_host (ip, agent_port, registered_at) values ('127.0.0.12', 3336, now())");

            Flyway.configure().dataSource(url, user, password).load().migrate();

            assertEquals(List.of("127.0.0.10 first 3335 alice", "127.0.0.10 fourth 3335 null", "127.0.0.10 leaving null null",
                            "127.0.0.10 second null null", "127.0.0.10 third 3335 null", "127.0.0.11 second 3336 bob",
                            "127.0.0.12 first null null", "127.0.0.12 third 3336 null"),
                    rows(st, "select ip, name, agent_port, account from resource_host order by ip, name"));
            assertEquals(5, rows(st, "select name from resource").size(), "no resource is lost");
            SQLException refused = assertThrows(SQLException.class, () -> st.execute("insert into resource_host"
                    + " (ip, kind, name, agent_port, account) values ('127.0.0.10', 'database', 'fifth', 3337, null)"));
            assertEquals("23P01", refused.getSQLState());
            st.execute("insert into resource_host (ip, kind, name, agent_port, account)"
                    + " values ('127.0.0.10', 'database', 'fifth', 3335, 'alice')");
        } finally {
            try (Connection admin = TestDatabase.connect(); Statement st = admin.createStatement()) {
                st.execute("drop database if exists " + database + " with (force)");
            }
        }
    }

    private static List<String> rows(Statement st, String query) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery(query)) {
            int columns = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                List<String> values = new ArrayList<>();
                for (int i = 1; i <= columns; i++) {
                    values.add(String.valueOf(rs.getObject(i)));
                }
                rows.add(String.join(" ", values));
            }
        }
        return rows;
    }
}
