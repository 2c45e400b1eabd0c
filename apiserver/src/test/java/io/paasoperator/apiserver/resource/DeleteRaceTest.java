package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.Transition;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A delete racing the reconciler's writes of a host's action in flight (the host_action rows): both take the host
 * rows and the resource row, and once took them in opposite orders, so that PostgreSQL aborted the delete as a
 * deadlock and the API answered 500. Every delete must answer 200 and remove the resource.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class DeleteRaceTest {

    private static final String API = "/apis/v1alpha1/";
    private static final int ROUNDS = 40;
    private static final ExecutorService CLIENTS = Executors.newFixedThreadPool(4);

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

    @Test
    void deletesRacingActionWritesAllSucceed() throws Exception {
        List<Integer> statuses = new ArrayList<>();
        for (int round = 0; round < ROUNDS; round++) {
            String name = Seeds.uniqueName("delete-race");
            given().body(Seeds.minimalBody(name, "running", "running")).post(API + "middleware/create").then().statusCode(201);
            setInFlight(name, true);
            CountDownLatch start = new CountDownLatch(1);
            // The reconciler's side: an action's result clears the host's action row (and the resource's version).
            CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
                await(start);
                try {
                    setInFlight(name, false);
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
        }
        assertEquals(ROUNDS, statuses.stream().filter(s -> s == 200).count(), "delete statuses: " + statuses);
    }

    /** Begins or ends an action in flight on the resource's only host, through the store as the reconciler does. */
    private void setInFlight(String name, boolean inFlight) {
        Instant now = Instant.now();
        ResourceRecord written = awaitStore(() -> store.update(ResourceKind.MIDDLEWARE, name, record -> {
            String ip = record.hostStates().get(0).ip();
            record.apply(record.desired(false), ip, host -> new Transition(host.withInFlight(inFlight
                    ? new HostState.InFlight(Action.START, "op-" + name, now, now.plusSeconds(60), 1) : null),
                    Transition.Cause.RECONCILER, "test"), now);
        }));
        assertNotNull(written);
    }

    private static ResourceRecord awaitStore(java.util.function.Supplier<io.smallrye.mutiny.Uni<ResourceRecord>> work) {
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
