package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ConcurrencyTest {

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    private static final String API = "/apis/v1alpha1/";
    private static final ExecutorService CLIENTS = Executors.newFixedThreadPool(50);

    @AfterAll
    static void stopClients() {
        CLIENTS.shutdownNow();
    }

    /** Runs every task at the same instant (behind one latch) and returns their results. */
    private static <T> List<T> atOnce(List<Callable<T>> tasks) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<T>> futures = new ArrayList<>();
        for (Callable<T> task : tasks) {
            futures.add(CLIENTS.submit(() -> {
                start.await();
                return task.call();
            }));
        }
        start.countDown();
        List<T> results = new ArrayList<>();
        for (Future<T> future : futures) {
            results.add(future.get(60, TimeUnit.SECONDS));
        }
        return results;
    }

    @Test
    void fiftyConcurrentCreatesOfOneNameMakeExactlyOne() throws Exception {
        String name = Seeds.uniqueName("race");
        List<Callable<Integer>> creates = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String realtime = i % 2 == 0 ? "stopped" : "not-installed";
            creates.add(() -> given().body(Seeds.minimalBody(name, "stopped", realtime))
                    .post(API + "database/create").statusCode());
        }
        List<Integer> statuses = atOnce(creates);
        assertEquals(1, Collections.frequency(statuses, 201), "statuses: " + statuses);
        assertEquals(49, Collections.frequency(statuses, 409), "statuses: " + statuses);
        given().get(API + "database/" + name + "/events").then().statusCode(200)
                .body("findAll { it.type == 'created' }.size()", org.hamcrest.Matchers.equalTo(1));
    }

    /**
     * PUTs and health reports race on one row. With a lost update, some write would be based on a stale read: the
     * history chain would break (an event's "from" not the previous event's "to") or the row would disagree with it.
     */
    @Test
    void racingWritersLoseNoUpdate() throws Exception {
        String name = Seeds.uniqueName("cas");
        given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
        List<Callable<Integer>> writes = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            int n = i;
            if (n % 3 == 0) {
                String target = n % 2 == 0 ? "running" : "stopped";
                writes.add(() -> given().put(API + "middleware/" + name + "/" + target).statusCode());
            } else {
                String code = n % 2 == 0 ? "0" : "1";
                writes.add(() -> asAgent().body("{\"code\":\"" + code + "\",\"msg\":\"r" + n + "\"}")
                        .put(API + "middleware/" + name + "/check").statusCode());
            }
        }
        List<Integer> statuses = atOnce(writes);
        assertTrue(statuses.stream().allMatch(s -> s == 202), "statuses: " + statuses);

        JsonPath resource = given().get(API + "middleware/" + name).then().statusCode(200).extract().jsonPath();
        JsonPath events = given().queryParam("limit", 1000).get(API + "middleware/" + name + "/events").then()
                .statusCode(200).extract().jsonPath();
        List<Map<String, Object>> newestFirst = events.getList("$");
        List<Map<String, Object>> history = new ArrayList<>(newestFirst);
        Collections.reverse(history);

        Map<String, Object> last = new HashMap<>();
        for (Map<String, Object> event : history) {
            Object type = event.get("type");
            if (type.equals("expect") || type.equals("realtime")) {
                if (last.containsKey(type)) {
                    assertEquals(last.get(type), event.get("from"), "broken " + type + " chain in " + history);
                }
                last.put((String) type, event.get("to"));
            }
        }
        assertEquals(last.get("expect"), resource.getString("app.status.expect"));
        assertEquals(last.get("realtime"), resource.getString("app.status.realtime"));
        // Every report was applied (each bumps the version), plus every PUT: 60 writes, none lost.
        assertEquals(60, resource.getInt("detail.version"));
    }

    /** A request as the agent on the test resources' host (127.0.0.2) makes it: with that host's secret. */
    private static RequestSpecification asAgent() {
        return given().header("Authorization", AgentIdentity.bearer("127.0.0.2"));
    }
}
