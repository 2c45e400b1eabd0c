package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.history.HistoryRetention;
import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads the tables directly: what is at rest, and what the retention job leaves. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class StoredDataTest {

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    @ConfigProperty(name = "quarkus.datasource.jdbc.url")
    String jdbcUrl;

    @ConfigProperty(name = "quarkus.datasource.username")
    String user;

    @ConfigProperty(name = "quarkus.datasource.password")
    String password;

    @Inject
    HistoryRetention retention;

    private Connection connect() throws Exception {
        return DriverManager.getConnection(jdbcUrl, user, password);
    }

    @Test
    void passwordsAreEncryptedAtRest() throws Exception {
        String name = Seeds.uniqueName("rest");
        given().body(Seeds.seedBody("database", name)).post("/apis/v1alpha1/database/create").then().statusCode(201);
        try (Connection db = connect(); Statement st = db.createStatement();
                ResultSet row = st.executeQuery("select hosts, app_spec from resource where name = '" + name + "'")) {
            assertTrue(row.next());
            String hosts = row.getString("hosts");
            assertFalse(hosts.contains("root123"), hosts);
            assertFalse(hosts.contains("ssh123"), hosts);
            assertTrue(hosts.contains("aesgcm:"), hosts);
            assertFalse(row.getString("app_spec").contains("// "), "comment keys are never stored");
            assertFalse(row.getString("app_spec").contains("MYSQL123"), "APP_PASSWD is secret metadata, sealed");
        }
        try (Connection db = connect(); Statement st = db.createStatement();
                ResultSet dump = st.executeQuery("select r::text from resource r union all select e::text from resource_event e")) {
            while (dump.next()) {
                assertFalse(dump.getString(1).contains("root123"), dump.getString(1));
                assertFalse(dump.getString(1).contains("MYSQL123"), dump.getString(1));
            }
        }
    }

    @Test
    void agentSecretsAreSealedAtRest() throws Exception {
        String secret = AgentIdentity.bearer("127.0.0.77").substring("Bearer ".length());
        try (Connection db = connect(); Statement st = db.createStatement();
                ResultSet dump = st.executeQuery("select h::text, h.agent_secret from agent_host h where ip = '127.0.0.77'")) {
            assertTrue(dump.next());
            assertFalse(dump.getString(1).contains(secret), "an agent's secret in plain text: " + dump.getString(1));
            assertTrue(dump.getString(2).startsWith("aesgcm:"), dump.getString(2));
        }
    }

    @Test
    void retentionDropsOnlyEventsOlderThanItsWindow() throws Throwable {
        String name = Seeds.uniqueName("old");
        Instant ancient = Instant.now().minus(401, ChronoUnit.DAYS);
        Instant recent = Instant.now().minus(399, ChronoUnit.DAYS);
        try (Connection db = connect();
                var insert = db.prepareStatement("insert into resource_event (kind, name, at, type, cause) values ('database', ?, ?, 'expect', 'api')")) {
            for (Instant at : new Instant[] {ancient, recent}) {
                insert.setString(1, name);
                insert.setTimestamp(2, Timestamp.from(at));
                insert.executeUpdate();
            }
        }
        VertxContextSupport.subscribeAndAwait(retention::purgeOldEvents); // on a Vert.x context, as the scheduler runs it
        try (Connection db = connect(); var query = db.prepareStatement("select at from resource_event where name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                assertTrue(rows.next());
                assertEquals(recent.truncatedTo(ChronoUnit.MILLIS), rows.getTimestamp(1).toInstant().truncatedTo(ChronoUnit.MILLIS));
                assertFalse(rows.next(), "the 401-day-old event should be gone");
            }
        }
    }
}
