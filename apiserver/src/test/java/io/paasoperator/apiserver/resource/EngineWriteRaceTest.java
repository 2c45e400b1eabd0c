package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.Transition;
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
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reconciler's writes racing each other and deletes. Each reads the resource (or starts from a record read before),
 * then writes it in one statement compared on the version it read, with no transaction around the two: a writer that
 * lost the race must store nothing of its change (neither the host action slots it took or gave back, nor its events)
 * and apply it anew to a fresh read. A delete takes the same rows (the resource's, then its action slots): once in the
 * opposite order, so that PostgreSQL aborted the delete as a deadlock and the API answered 500.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class EngineWriteRaceTest {

    private static final String API = "/apis/v1alpha1/";
    private static final int WRITERS = 8;
    private static final int WRITES_EACH = 8;
    private static final int DELETE_ROUNDS = 40;
    private static final ExecutorService CLIENTS = Executors.newFixedThreadPool(WRITERS);

    @Inject
    ResourceStore store;

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    /**
     * Writers at once, each flipping the action in flight on the resource's host (taking its slot, or giving it back) as
     * the record it read says: every flip is applied once, the slot rows are what the record says, and the history holds
     * one realtime event per flip.
     */
    @Test
    void racingWritesOfAnActionSlotEachApplyOnceAndLeaveTheSlotAsTheRecordSays() throws Exception {
        String name = Seeds.uniqueName("slot-race");
        given().body(Seeds.minimalBody(name, "running", "stopped")).post(API + "middleware/create").then().statusCode(201);
        long versionBefore = read(name).version;
        int eventsBefore = events(name);
        AtomicInteger applied = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<CompletableFuture<Void>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(CompletableFuture.runAsync(() -> {
                await(start);
                for (int i = 0; i < WRITES_EACH; i++) {
                    flipInFlight(name);
                    applied.incrementAndGet();
                }
            }, CLIENTS));
        }
        start.countDown();
        for (CompletableFuture<Void> writer : writers) {
            writer.get(60, TimeUnit.SECONDS);
        }

        ResourceRecord after = read(name);
        assertEquals(WRITERS * WRITES_EACH, applied.get());
        assertEquals(versionBefore + WRITERS * WRITES_EACH, after.version, "each write applied once");
        assertEquals(after.inFlightHosts(), slots(name), "the host action slots are the record's");
        // An even number of flips: back to where it began, nothing in flight.
        assertEquals(Set.of(), after.inFlightHosts());
        assertEquals(eventsBefore + WRITERS * WRITES_EACH, events(name), "one event per flip, none of a lost write");
    }

    /** Deletes racing a write of the host's action slot (an action's result): every delete answers 200 and removes it. */
    @Test
    void deletesRacingActionWritesAllSucceed() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int round = 0; round < DELETE_ROUNDS; round++) {
            String name = Seeds.uniqueName("delete-race");
            given().body(Seeds.minimalBody(name, "running", "running")).post(API + "middleware/create").then().statusCode(201);
            flipInFlight(name);
            CountDownLatch start = new CountDownLatch(1);
            // The reconciler's side: an action's result clears the host's action slot (and bumps the resource's version).
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                await(start);
                try {
                    flipInFlight(name);
                } catch (RuntimeException e) {
                    if (!(rootCause(e) instanceof ProblemException)) { // gone already: the delete won
                        throw e;
                    }
                }
            }, CLIENTS);
            CompletableFuture<Integer> delete = CompletableFuture.supplyAsync(() -> {
                await(start);
                return given().delete(API + "middleware/" + name).statusCode();
            }, CLIENTS);
            start.countDown();
            writer.get(30, TimeUnit.SECONDS);
            statuses.add(delete.get(30, TimeUnit.SECONDS));
            given().get(API + "middleware/" + name).then().statusCode(404);
            assertEquals(Set.of(), slots(name), "no action slot outlives its resource");
        }
        assertEquals(DELETE_ROUNDS, statuses.stream().filter(s -> s == 200).count(), "delete statuses: " + statuses);
    }

    /**
     * A write from a record read before (as a host report's is, from the records its read found) that was written since:
     * refused, then applied to a fresh read.
     */
    @Test
    void aWriteFromARecordWrittenSinceItWasReadIsAppliedAnewToAFreshRead() throws Exception {
        String name = Seeds.uniqueName("stale-read");
        given().body(Seeds.minimalBody(name, "running", "stopped")).post(API + "middleware/create").then().statusCode(201);
        ResourceRecord read = read(name);
        flipInFlight(name);

        List<Boolean> sawInFlight = new ArrayList<>();
        ResourceRecord written = awaitStore(() -> store.update(read, record -> {
            sawInFlight.add(record.hostStates().get(0).inFlight() != null);
            flip(record);
        }));
        assertEquals(List.of(false, true), sawInFlight, "applied to the record read, refused, then to a fresh read");
        assertEquals(read(name).version, written.version);
        assertEquals(Set.of(), written.inFlightHosts(), "the other writer's action ended, as the fresh read said");
        assertEquals(Set.of(), slots(name));
    }

    /** Begins an action on the resource's host if none is in flight there, else ends it: as the fresh record says. */
    private void flipInFlight(String name) {
        awaitStore(() -> store.update(ResourceKind.MIDDLEWARE, name, EngineWriteRaceTest::flip));
    }

    private static void flip(ResourceRecord record) {
        Instant now = Instant.now();
        HostState host = record.hostStates().get(0);
        boolean begin = host.inFlight() == null;
        record.apply(record.desired(false), host.ip(), h -> new Transition(h.withInFlight(begin
                ? new HostState.InFlight(Action.START, "op-" + now.toEpochMilli(), now, now.plusSeconds(60), 1) : null)
                .withRealtime(begin ? io.paasoperator.contract.RealtimeState.STARTING
                        : io.paasoperator.contract.RealtimeState.STOPPED, now),
                Transition.Cause.RECONCILER, "test"), now);
    }

    private ResourceRecord read(String name) {
        return awaitStore(() -> store.get(ResourceKind.MIDDLEWARE, name));
    }

    /** The hosts whose action slot the resource holds, as {@code host_action} says. */
    private static Set<String> slots(String name) throws Exception {
        try (Connection db = TestDatabase.connect();
                PreparedStatement query = db.prepareStatement("select ip from host_action where kind = 'middleware' and name = ?")) {
            query.setString(1, name);
            Set<String> ips = new TreeSet<>();
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    ips.add(rows.getString(1));
                }
            }
            return ips;
        }
    }

    /** How many realtime events the resource's history holds. */
    private static int events(String name) throws Exception {
        try (Connection db = TestDatabase.connect();
                PreparedStatement query = db.prepareStatement("select count(*) from resource_event where kind = 'middleware'"
                        + " and name = ? and type = 'realtime'")) {
            query.setString(1, name);
            try (ResultSet rows = query.executeQuery()) {
                rows.next();
                return rows.getInt(1);
            }
        }
    }

    private static <T> T awaitStore(java.util.function.Supplier<io.smallrye.mutiny.Uni<T>> work) {
        try {
            return VertxContextSupport.subscribeAndAwait(work::get);
        } catch (Throwable e) {
            throw e instanceof RuntimeException r ? r : new RuntimeException(e);
        }
    }

    private static Throwable rootCause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
