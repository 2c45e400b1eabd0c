package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.paasoperator.apiserver.history.HistoryRetention;
import io.paasoperator.apiserver.rules.Desired;
import io.paasoperator.apiserver.rules.Step;
import io.paasoperator.apiserver.rules.Transitions;
import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    @Inject
    HistoryRetention retention;

    @Test
    void passwordsAreEncryptedAtRest() throws Exception {
        String name = Seeds.uniqueName("rest");
        given().body(Seeds.seedBody("database", name)).post("/apis/v1alpha1/database/create").then().statusCode(201);
        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
                ResultSet row = st.executeQuery("select hosts, app_spec from resource where name = '" + name + "'")) {
            assertTrue(row.next());
            String hosts = row.getString("hosts");
            assertFalse(hosts.contains("root123"), hosts);
            assertFalse(hosts.contains("ssh123"), hosts);
            assertTrue(hosts.contains("aesgcm:"), hosts);
            assertFalse(row.getString("app_spec").contains("// "), "comment keys are never stored");
            assertFalse(row.getString("app_spec").contains("MYSQL123"), "APP_PASSWD is secret metadata, sealed");
        }
        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
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
        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
                ResultSet dump = st.executeQuery("select h::text, h.agent_secret from agent_host h where ip = '127.0.0.77'")) {
            assertTrue(dump.next());
            assertFalse(dump.getString(1).contains(secret), "an agent's secret in plain text: " + dump.getString(1));
            assertTrue(dump.getString(2).startsWith("aesgcm:"), dump.getString(2));
        }
    }

    @Test
    void retentionDropsOnlyEventsOlderThanItsWindow() throws Throwable {
        String name = Seeds.uniqueName("old");
        // Whole milliseconds: PostgreSQL keeps microseconds, rounding the rest, which a comparison at millis could cross.
        Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);
        Instant ancient = now.minus(401, ChronoUnit.DAYS);
        Instant recent = now.minus(399, ChronoUnit.DAYS);
        try (Connection db = TestDatabase.connect();
                var insert = db.prepareStatement("insert into resource_event (kind, name, at, type, cause) values ('database', ?, ?, 'expect', 'api')")) {
            for (Instant at : new Instant[] {ancient, recent}) {
                insert.setString(1, name);
                insert.setTimestamp(2, Timestamp.from(at));
                insert.executeUpdate();
            }
        }
        VertxContextSupport.subscribeAndAwait(retention::purgeOldEvents); // on a Vert.x context, as the scheduler runs it
        try (Connection db = TestDatabase.connect(); var query = db.prepareStatement("select at from resource_event where name = ?")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                assertTrue(rows.next());
                assertEquals(recent, rows.getTimestamp(1).toInstant());
                assertFalse(rows.next(), "the 401-day-old event should be gone");
            }
        }
    }

    @Inject
    ResourceDocuments documents;

    @Inject
    DatabaseWork database;

    @Inject
    RequestReader reader;

    @Inject
    SpecValidator validator;

    /**
     * A create is one statement, tried again when the connection is lost; if the lost one was stored, the next attempt
     * meets its own row: the same creation time and spec answer that row, anything else is a 409. Shown by running the
     * same create twice on a clock that stands still.
     */
    @Test
    void aCreateTriedAgainFindsItsOwnRowAndNothingElseDoes() throws Throwable {
        String name = Seeds.uniqueName("again");
        Instant at = Instant.now().truncatedTo(ChronoUnit.MICROS);
        ResourceStore stopped = new ResourceStore(documents, Clock.fixed(at, ZoneId.systemDefault()), database);
        CreateRequest request = createRequest(name, "start.sh");
        ResourceRecord first = VertxContextSupport.subscribeAndAwait(() -> stopped.create(ResourceKind.MIDDLEWARE, request, "test"));
        long[] stored = rowsAndEvents(name);
        assertEquals(1, stored[0]);
        ResourceRecord again = VertxContextSupport.subscribeAndAwait(() -> stopped.create(ResourceKind.MIDDLEWARE, request, "test"));
        assertEquals(first.id, again.id);
        assertEquals(first.appSpec, again.appSpec);
        assertArrayEquals(stored, rowsAndEvents(name), "the row and the create's events, written once");
        ProblemException otherSpec = assertThrows(ProblemException.class, () -> VertxContextSupport.subscribeAndAwait(
                () -> stopped.create(ResourceKind.MIDDLEWARE, createRequest(name, "other-start.sh"), "test")));
        assertEquals(409, otherSpec.status());
        ResourceStore later = new ResourceStore(documents, Clock.fixed(at.plusNanos(1000), ZoneId.systemDefault()), database);
        ProblemException otherTime = assertThrows(ProblemException.class, () -> VertxContextSupport.subscribeAndAwait(
                () -> later.create(ResourceKind.MIDDLEWARE, request, "test")));
        assertEquals(409, otherTime.status());
        assertTrue(otherTime.getMessage().contains("already exists"), otherTime.getMessage());
        assertArrayEquals(stored, rowsAndEvents(name), "a create refused for its name stores no event");
    }

    /**
     * Claims of actions on one host take turns, from any number of callers at once: eight claims, two slots, two
     * claimed. The host has no agent_host row yet (as before its first bootstrap): the turns do not depend on one.
     */
    @Test
    void claimsOnOneHostTakeTurnsAndFillNoMoreThanItsSlots() throws Throwable {
        String ip = "127.0.0.93";
        ResourceStore store = new ResourceStore(documents, Clock.systemUTC(), database);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            String name = Seeds.uniqueName("turns");
            names.add(name);
            CreateRequest request = validator.validate(reader.readCreate(Seeds.minimalBody(name, "not-installed", "not-installed")
                    .replace("127.0.0.2", ip), ResourceKind.MIDDLEWARE));
            VertxContextSupport.subscribeAndAwait(() -> store.create(ResourceKind.MIDDLEWARE, request, "test"));
        }
        ExecutorService callers = Executors.newFixedThreadPool(names.size());
        try {
            CountDownLatch together = new CountDownLatch(1);
            List<Future<ResourceRecord>> claims = names.stream().map(name -> callers.submit(() -> {
                together.await();
                try {
                    return VertxContextSupport.subscribeAndAwait(() -> store.claimOnHost(ResourceKind.MIDDLEWARE, name, ip, 2,
                            this::installInFlight));
                } catch (Throwable failed) {
                    throw new IllegalStateException("claim for " + name, failed);
                }
            })).toList();
            together.countDown();
            int claimed = 0;
            for (Future<ResourceRecord> claim : claims) {
                claimed += claim.get(30, TimeUnit.SECONDS) == null ? 0 : 1;
            }
            assertEquals(2, claimed, "two slots, two claims");
            try (Connection db = TestDatabase.connect(); var count = db.prepareStatement("select count(*) from host_action where ip = ?")) {
                count.setString(1, ip);
                try (ResultSet rows = count.executeQuery()) {
                    assertTrue(rows.next());
                    assertEquals(2, rows.getLong(1), "the host's actions in flight");
                }
            }
        } finally {
            callers.shutdownNow();
        }
    }

    /** What the reconciler's claim writes: the rules' own start of an install, under a new operation id. */
    private void installInFlight(ResourceRecord record) {
        Instant now = Instant.now();
        Desired desired = documents.desired(record);
        record.apply(desired, record.hostStates().get(0).ip(), host -> Transitions.begin(desired, host,
                new Step.Run(Action.INSTALL, null), UUID.randomUUID().toString(), now, now.plusSeconds(60)), now);
    }

    /** How many resources named {@code name} there are, and events about one. */
    private long[] rowsAndEvents(String name) throws Exception {
        try (Connection db = TestDatabase.connect(); var count = db.prepareStatement("select (select count(*) from resource where name = ?),"
                + " (select count(*) from resource_event where name = ?)")) {
            count.setString(1, name);
            count.setString(2, name);
            try (ResultSet rows = count.executeQuery()) {
                assertTrue(rows.next());
                return new long[] {rows.getLong(1), rows.getLong(2)};
            }
        }
    }

    /** {@link Seeds#minimalBody}, whose app holds no secret (a sealed one would differ between two reads of one body). */
    private CreateRequest createRequest(String name, String start) {
        return validator.validate(reader.readCreate(Seeds.minimalBody(name, "not-installed", "not-installed")
                .replace("\"start.sh\"", "\"" + start + "\""), ResourceKind.MIDDLEWARE));
    }
}
