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
    /** Parallel clients per write route. */
    private static final int CLIENT_COUNT = 32;
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
            results.add(future.get(30, TimeUnit.SECONDS)); // a request that hangs fails the test
        }
        return results;
    }

    /**
     * Creates that name different agent ports for one new host, all at once: the first stored wins and every other is
     * refused, in each of several rounds (before the check and the insert were one step, two or more won in most rounds).
     */
    @Test
    void concurrentCreatesThatDisagreeAboutANewHostsAgentLeaveOne() throws Exception {
        for (int round = 0; round < 5; round++) {
            String ip = "127.0.0." + (167 + round % 2);
            String host = "\"host\": [{\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"pw-%s\"}]}]";
            List<String> names = new ArrayList<>();
            List<Callable<Integer>> creates = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String name = Seeds.uniqueName("port-race");
                names.add(name);
                String body = Seeds.minimalBody(name, "stopped", "not-installed").replace(host.formatted(name),
                        "\"host\": [{\"ip\": \"" + ip + "\", \"agent_port\": " + (4000 + 10 * round + i) + "}]");
                creates.add(() -> given().body(body).post(API + "database/create").statusCode());
            }
            List<Integer> statuses = atOnce(creates);
            assertEquals(1, Collections.frequency(statuses, 201), "round " + round + ": " + statuses);
            assertEquals(7, Collections.frequency(statuses, 409), "round " + round + ": " + statuses);
            // The one stored is the only one there; the host is free again for the next round.
            String stored = names.get(statuses.indexOf(201));
            for (String name : names) {
                given().get(API + "database/" + name + "/status").then().statusCode(name.equals(stored) ? 200 : 404);
            }
            given().delete(API + "database/" + stored).then().statusCode(200);
        }
    }

    /**
     * Creates and spec updates that each put two new hosts on a resource, naming ports for them unlike every other
     * writer's, in either order of the hosts, all at once: one writer wins both hosts, every other is a 409 (none a 500,
     * none a deadlock's 503), and each loser's resource is left as it was.
     */
    @Test
    void concurrentCreatesAndSpecUpdatesThatDisagreeAboutTwoHostsLeaveOne() throws Exception {
        for (int round = 0; round < 5; round++) {
            String first = "127.0.0.169", second = "127.0.0.170";
            List<String> names = new ArrayList<>();
            List<Callable<Integer>> writes = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String name = Seeds.uniqueName("two-hosts");
                names.add(name);
                int port = 4100 + 10 * round + i;
                String[] order = i % 2 == 0 ? new String[] {first, second} : new String[] {second, first};
                String wanted = Seeds.onHosts(name, "[{\"ip\": \"%s\", \"agent_port\": %d}, {\"ip\": \"%s\", \"agent_port\": %d}]"
                        .formatted(order[0], port, order[1], port));
                if (i < 4) {
                    writes.add(() -> given().body(wanted).post(API + "database/create").statusCode());
                } else {
                    String elsewhere = Seeds.onHosts(name, "[{\"ip\": \"127.0.0.172\", \"agent_port\": 3335}]");
                    given().body(elsewhere).post(API + "database/create").then().statusCode(201);
                    writes.add(() -> given().body(wanted).put(API + "database/" + name).statusCode());
                }
            }
            List<Integer> statuses = atOnce(writes);
            assertEquals(7, Collections.frequency(statuses, 409), "round " + round + ": " + statuses);
            int winner = statuses.indexOf(statuses.stream().filter(status -> status != 409).findFirst().orElseThrow());
            assertEquals(winner < 4 ? 201 : 200, statuses.get(winner), "round " + round + ": " + statuses);
            for (int i = 0; i < 8; i++) {
                List<String> ips = i < 4 && i != winner ? List.of() : given().get(API + "database/" + names.get(i)).then()
                        .statusCode(200).extract().jsonPath().getList("host.ip");
                List<String> expected = i == winner ? List.of(i % 2 == 0 ? first : second, i % 2 == 0 ? second : first)
                        : i < 4 ? List.of() : List.of("127.0.0.172");
                assertEquals(expected, ips, "round " + round + ", writer " + i);
            }
            for (int i = 0; i < 8; i++) {
                if (i >= 4 || i == winner) {
                    given().delete(API + "database/" + names.get(i)).then().statusCode(200);
                }
            }
        }
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

        // Every report was applied (each bumps the version), plus every PUT: 60 writes, none lost.
        assertHistoryMatchesRecord(name, 60);
    }

    @Test
    void thirtyTwoConcurrentCreatesOfDistinctNamesAreEachStoredOnce() throws Exception {
        List<String> names = new ArrayList<>();
        List<Callable<Integer>> creates = new ArrayList<>();
        for (int i = 0; i < CLIENT_COUNT; i++) {
            String name = Seeds.uniqueName("many");
            names.add(name);
            creates.add(() -> given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").statusCode());
        }
        List<Integer> statuses = atOnce(creates);
        assertTrue(statuses.stream().allMatch(s -> s == 201), "statuses: " + statuses);
        for (String name : names) {
            given().get(API + "middleware/" + name + "/status").then().statusCode(200);
            given().get(API + "middleware/" + name + "/events").then().statusCode(200)
                    .body("findAll { it.type == 'created' }.size()", org.hamcrest.Matchers.equalTo(1));
        }
    }

    /** Each PUT of a spec is a change on fresh data: none lost, so the generations run 1..33 without a gap or a repeat. */
    @Test
    void thirtyTwoConcurrentSpecUpdatesAreEachAGeneration() throws Exception {
        String name = Seeds.uniqueName("spec");
        given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
        List<Callable<Integer>> puts = new ArrayList<>();
        for (int i = 0; i < CLIENT_COUNT; i++) {
            String body = specBody(name, "v" + i);
            puts.add(() -> given().body(body).put(API + "middleware/" + name).statusCode());
        }
        List<Integer> statuses = atOnce(puts);
        assertTrue(statuses.stream().allMatch(s -> s == 200), "statuses: " + statuses);

        JsonPath resource = given().get(API + "middleware/" + name).then().statusCode(200).extract().jsonPath();
        assertEquals(1 + CLIENT_COUNT, resource.getInt("detail.generation"));
        List<String> generations = events(name).stream().filter(e -> e.get("type").equals("spec"))
                .map(e -> (String) e.get("to")).sorted(java.util.Comparator.comparingInt(Integer::parseInt)).toList();
        List<String> expected = java.util.stream.IntStream.rangeClosed(2, 1 + CLIENT_COUNT).mapToObj(String::valueOf).toList();
        assertEquals(expected, generations);
        assertTrue(resource.getString("app.metadata.VERSION").matches("v\\d+"), resource.prettify());
    }

    @Test
    void thirtyTwoConcurrentStatePutsKeepOneHistory() throws Exception {
        String name = Seeds.uniqueName("state");
        given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
        List<Callable<Integer>> puts = new ArrayList<>();
        for (int i = 0; i < CLIENT_COUNT; i++) {
            String target = List.of("running", "stopped", "not-installed").get(i % 3);
            puts.add(() -> given().put(API + "middleware/" + name + "/" + target).statusCode());
        }
        List<Integer> statuses = atOnce(puts);
        assertTrue(statuses.stream().allMatch(s -> s == 202), "statuses: " + statuses);
        assertHistoryMatchesRecord(name, CLIENT_COUNT);
    }

    @Test
    void thirtyTwoConcurrentRestartsAreEachRecorded() throws Exception {
        String name = Seeds.uniqueName("restart");
        given().body(Seeds.minimalBody(name, "running", "running")).post(API + "middleware/create").then().statusCode(201);
        List<Callable<Integer>> restarts = new ArrayList<>();
        for (int i = 0; i < CLIENT_COUNT; i++) {
            restarts.add(() -> given().put(API + "middleware/" + name + "/restart").statusCode());
        }
        List<Integer> statuses = atOnce(restarts);
        assertTrue(statuses.stream().allMatch(s -> s == 202), "statuses: " + statuses);
        assertEquals(CLIENT_COUNT, events(name).stream().filter(e -> e.get("type").equals("restart")).count());
        assertEquals(CLIENT_COUNT, given().get(API + "middleware/" + name).then().statusCode(200).extract().jsonPath()
                .getInt("detail.version"));
    }

    @Test
    void thirtyTwoConcurrentReportsAreEachApplied() throws Exception {
        String name = Seeds.uniqueName("report");
        given().body(Seeds.minimalBody(name, "running", "running")).post(API + "middleware/create").then().statusCode(201);
        List<Callable<Integer>> reports = new ArrayList<>();
        for (int i = 0; i < CLIENT_COUNT; i++) {
            String code = i % 2 == 0 ? "0" : "1";
            String body = "{\"code\":\"" + code + "\",\"msg\":\"r" + i + "\"}";
            reports.add(() -> asAgent().body(body).put(API + "middleware/" + name + "/check").statusCode());
        }
        List<Integer> statuses = atOnce(reports);
        assertTrue(statuses.stream().allMatch(s -> s == 202), "statuses: " + statuses);
        assertHistoryMatchesRecord(name, CLIENT_COUNT);
    }

    /**
     * Deletes race with each other (two per name) and with state PUTs on the same names: every delete answers 200,
     * every PUT 202 or, once the record is gone, 404; each record is deleted once, and its name can be created again.
     */
    @Test
    void concurrentDeletesOfManyResourcesEachDeleteOnce() throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            String name = Seeds.uniqueName("gone");
            given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
            names.add(name);
        }
        List<Callable<String>> requests = new ArrayList<>();
        for (String name : names) {
            requests.add(() -> "delete " + given().delete(API + "middleware/" + name).statusCode());
            requests.add(() -> "delete " + given().delete(API + "middleware/" + name).statusCode());
            requests.add(() -> "put " + given().put(API + "middleware/" + name + "/running").statusCode());
        }
        List<String> answers = atOnceBy(CLIENT_COUNT, requests);
        assertTrue(answers.stream().allMatch(a -> a.equals("delete 200") || a.equals("put 202") || a.equals("put 404")),
                "answers: " + answers);

        for (String name : names) {
            given().get(API + "middleware/" + name + "/status").then().statusCode(404);
            assertEquals(1, events(name).stream().filter(e -> e.get("type").equals("deleted")).count(), name);
        }
        given().body(Seeds.minimalBody(names.get(0), "stopped", "stopped")).post(API + "middleware/create").then().statusCode(201);
    }

    /** Runs {@code tasks} on {@code clients} threads at once (each takes the next task when done) and returns their results. */
    private static <T> List<T> atOnceBy(int clients, List<Callable<T>> tasks) throws Exception {
        java.util.concurrent.ConcurrentLinkedQueue<Callable<T>> queue = new java.util.concurrent.ConcurrentLinkedQueue<>(tasks);
        List<Callable<List<T>>> workers = new ArrayList<>();
        for (int i = 0; i < clients; i++) {
            workers.add(() -> {
                List<T> done = new ArrayList<>();
                for (Callable<T> task = queue.poll(); task != null; task = queue.poll()) {
                    done.add(task.call());
                }
                return done;
            });
        }
        return atOnce(workers).stream().flatMap(List::stream).toList();
    }

    /**
     * After {@code writes} writes to a fresh resource: the expect and realtime chains of its history are unbroken and end
     * where the record is, and every write was applied (each bumps the version).
     */
    private static void assertHistoryMatchesRecord(String name, int writes) {
        JsonPath resource = given().get(API + "middleware/" + name).then().statusCode(200).extract().jsonPath();
        List<Map<String, Object>> history = new ArrayList<>(events(name));
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
        assertEquals(writes, resource.getInt("detail.version"));
    }

    /** A resource's events, newest first. */
    private static List<Map<String, Object>> events(String name) {
        return given().queryParam("limit", 1000).get(API + "middleware/" + name + "/events").then().statusCode(200)
                .extract().jsonPath().getList("$");
    }

    /** A create-shaped body without app.status, as PUT /{kind}/{name} takes it, with metadata VERSION. */
    private static String specBody(String name, String version) {
        return """
                {"name": "%s",
                 "host": [{"ip": "127.0.0.2", "auth": [{"username": "paas", "password": "pw-%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh",
                         "metadata": {"VERSION": "%s"}}}
                """.formatted(name, name, version);
    }

    /** A request as the agent on the test resources' host (127.0.0.2) makes it: with that host's secret. */
    private static RequestSpecification asAgent() {
        return given().header("Authorization", AgentIdentity.bearer("127.0.0.2"));
    }
}
