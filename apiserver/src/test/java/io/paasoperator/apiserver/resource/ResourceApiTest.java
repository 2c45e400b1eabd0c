package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ResourceApiTest {

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    private static final String API = "/apis/v1alpha1/";

    private static Response create(String kind, String body) {
        return given().body(body).when().post(API + kind + "/create");
    }

    private static String created(String kind, String expect, String realtime) {
        String name = Seeds.uniqueName(kind);
        create(kind, Seeds.minimalBody(name, expect, realtime)).then().statusCode(201);
        return name;
    }

    @ParameterizedTest
    @ValueSource(strings = {"database", "middleware"})
    void theSeedsExampleBodyCreatesVerbatim(String kind) {
        String seedName = kind.equals("database") ? Seeds.SEED_DATABASE_NAME : Seeds.SEED_MIDDLEWARE_NAME;
        given().delete(API + kind + "/" + seedName).then().statusCode(200);
        create(kind, Seeds.seedBody(kind)).then()
                .statusCode(201)
                .contentType(ContentType.JSON)
                .header("Location", containsString(API + kind + "/" + seedName))
                .body("name", equalTo(seedName))
                .body("type", equalTo(kind))
                .body("host[0].ip", equalTo("192.168.19.100"))
                .body("host[0].ssh_port", equalTo(22))
                .body("host[0].agent_port", equalTo(3335))
                .body("host[0].auth.username", contains("root", "sshuser"))
                .body("host[0].auth.password", everyItem(equalTo("******")))
                .body("host[0]", not(org.hamcrest.Matchers.hasKey("// auth")))
                .body("app", not(org.hamcrest.Matchers.hasKey("// status")))
                .body("app.install", equalTo("install.sh"))
                .body("app.restart", equalTo("restart.sh"))
                .body("app.metadata.APP_USER", notNullValue())
                .body("app.metadata.CreateAt", matchesPattern("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}"))
                .body("app.status.expect", equalTo("not-installed"))
                .body("app.status.realtime", equalTo("not-installed"));
    }

    @Test
    void createdResourceReadsBackWholeWithPasswordsHidden() {
        String name = created("middleware", "stopped", "stopped");
        String body = given().get(API + "middleware/" + name).then().statusCode(200)
                .body("name", equalTo(name))
                .body("app.status.expect", equalTo("stopped"))
                .body("detail.version", equalTo(0))
                .body("detail.hosts[0].restart_pending", equalTo(false))
                .extract().asString();
        assertFalse(body.contains("pw-" + name), "a password came back: " + body);
    }

    @Test
    void aResourceMayCarryItsOwnCheckInterval() {
        String name = Seeds.uniqueName("interval");
        String body = Seeds.minimalBody(name, "stopped", "stopped").replace("\"install\": \"install.sh\",",
                "\"install\": \"install.sh\", \"check_interval\": 30,");
        create("middleware", body).then().statusCode(201).body("app.check_interval", equalTo(30));
        given().get(API + "middleware/" + name).then().body("app.check_interval", equalTo(30));
    }

    @Test
    void statusIsTheSeedsShape() {
        String name = created("database", "running", "unknow");
        given().get(API + "database/" + name + "/status").then().statusCode(200)
                .body("name", equalTo(name))
                .body("status.expect", equalTo("running"))
                .body("status.realtime", equalTo("unknown"))
                .body("size()", equalTo(2));
    }

    @Test
    void kindsAreSeparateNamespaces() {
        String name = created("database", "not-installed", "not-installed");
        given().get(API + "middleware/" + name + "/status").then().statusCode(404)
                .contentType("application/problem+json");
        create("middleware", Seeds.minimalBody(name, "not-installed", "not-installed")).then().statusCode(201);
    }

    @Test
    void duplicateNameIsAConflictAndKeepsTheFirst() {
        String name = created("database", "stopped", "stopped");
        create("database", Seeds.minimalBody(name, "running", "running")).then()
                .statusCode(409).contentType("application/problem+json")
                .body("detail", containsString(name));
        given().get(API + "database/" + name + "/status").then().body("status.expect", equalTo("stopped"));
    }

    @Test
    void unknownNamesAndKindsAre404WithAProblem() {
        given().get(API + "database/no-such-thing/status").then().statusCode(404)
                .contentType("application/problem+json")
                .body("status", equalTo(404)).body("detail", containsString("no-such-thing"));
        given().put(API + "database/no-such-thing/running").then().statusCode(404);
        asAgent().body("{\"code\":\"0\"}").put(API + "database/no-such-thing/check").then().statusCode(404);
        given().get(API + "queue/x/status").then().statusCode(404).body("detail", containsString("database, middleware"));
        given().get(API + "database/x/bogus").then().statusCode(404).contentType("application/problem+json");
        given().get("/nowhere").then().statusCode(404).contentType("application/problem+json");
    }

    @Test
    void wrongMethodIs405WithAProblem() {
        String name = created("database", "stopped", "stopped");
        given().post(API + "database/" + name + "/status").then().statusCode(405)
                .contentType("application/problem+json").body("detail", containsString("POST"));
        given().get(API + "database/" + name + "/running").then().statusCode(405);
    }

    @ParameterizedTest
    @ValueSource(strings = {"running", "stopped", "not-installed"})
    void putStoresTheExpectedStateAndAnswersWithIt(String target) {
        String name = created("middleware", "not-installed", "not-installed");
        given().put(API + "middleware/" + name + "/" + target).then().statusCode(202)
                .body("name", equalTo(name))
                .body("status.expect", equalTo(target))
                .body("status.realtime", equalTo("not-installed"));
        given().get(API + "middleware/" + name + "/status").then().body("status.expect", equalTo(target));
    }

    @Test
    void restartKeepsExpectAndIsRefusedUnlessRunningIsExpected() {
        String name = created("database", "stopped", "stopped");
        given().put(API + "database/" + name + "/restart").then().statusCode(409)
                .contentType("application/problem+json").body("detail", containsString("running"));
        given().get(API + "database/" + name).then().body("detail.hosts[0].restart_pending", equalTo(false));

        given().put(API + "database/" + name + "/running").then().statusCode(202);
        given().put(API + "database/" + name + "/restart").then().statusCode(202)
                .body("status.expect", equalTo("running"));
        given().get(API + "database/" + name).then().body("detail.hosts[0].restart_pending", equalTo(true));
        given().get(API + "database/" + name + "/events").then()
                .body("type", hasItem("restart"));

        // A new expectation supersedes a restart not yet carried out.
        given().put(API + "database/" + name + "/stopped").then().statusCode(202);
        given().get(API + "database/" + name).then().body("detail.hosts[0].restart_pending", equalTo(false));
    }

    @Test
    void healthReportsFollowTheRules() {
        String name = created("database", "running", "starting");
        String check = API + "database/" + name + "/check";
        asAgent().body("{\"code\":\"0\",\"msg\":\"accepting connections\"}").put(check).then().statusCode(202)
                .body("status.realtime", equalTo("running"));
        asAgent().body("{\"code\":\"1\",\"msg\":\"connection refused\"}").put(check).then().statusCode(202)
                .body("status.realtime", equalTo("failed"));
        given().get(API + "database/" + name).then()
                .body("detail.hosts[0].last_check.code", equalTo("1"))
                .body("detail.hosts[0].last_check.msg", equalTo("connection refused"))
                .body("detail.hosts[0].last_check.at", notNullValue());
        // A numeric 0 is read as the string "0".
        asAgent().body("{\"code\":0,\"msg\":\"back\"}").put(check).then().statusCode(202)
                .body("status.realtime", equalTo("running"));
    }

    @Test
    void reportsDuringAnInstallChangeNothing() {
        String name = created("middleware", "running", "installing");
        asAgent().body("{\"code\":\"0\",\"msg\":\"x\"}").put(API + "middleware/" + name + "/check").then().statusCode(202)
                .body("status.realtime", equalTo("installing"));
    }

    @Test
    void healthyReportWhileStoppedIsExpectedIsDrift() {
        String name = created("middleware", "stopped", "stopped");
        asAgent().body("{\"code\":\"0\",\"msg\":\"up\"}").put(API + "middleware/" + name + "/check").then()
                .statusCode(202).body("status.realtime", equalTo("running")).body("status.expect", equalTo("stopped"));
    }

    @Test
    void deleteAnswers200WhetherOrNotTheResourceExisted() {
        String name = created("database", "stopped", "stopped");
        given().delete(API + "database/" + name).then().statusCode(200)
                .body("name", equalTo(name)).body("message", containsString("deleted"));
        given().get(API + "database/" + name + "/status").then().statusCode(404);
        given().delete(API + "database/" + name).then().statusCode(200)
                .body("name", equalTo(name)).body("message", containsString("does not exist"));
        // History outlives the record.
        given().get(API + "database/" + name + "/events").then().statusCode(200)
                .body("type", hasItems("created", "deleted"));
    }

    @Test
    void changedListNamesWhatChangedTodayInEveryAcceptedForm() {
        String changed = created("middleware", "not-installed", "not-installed");
        given().put(API + "middleware/" + changed + "/running").then().statusCode(202);
        LocalDate today = LocalDate.now();
        for (String id : List.of(today.format(DateTimeFormatter.ofPattern("MMdd")),
                today.format(DateTimeFormatter.BASIC_ISO_DATE), today.toString())) {
            given().get(API + "middleware/status/changed/" + id).then().statusCode(200)
                    .body("$", hasItem(changed));
        }
        given().get(API + "database/status/changed/" + today).then().statusCode(200).body("$", not(hasItem(changed)));
        given().get(API + "middleware/status/changed/" + today.minusDays(2)).then().statusCode(200)
                .body("$", not(hasItem(changed)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"1332", "0230", "628", "06-28", "2026-13-01", "abcd", "20260230", "06281"})
    void malformedChangedIdsAre400(String id) {
        given().get(API + "database/status/changed/" + id).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("id"));
    }

    @Test
    void eventsRecordEveryChangeWithItsCause() {
        String name = created("database", "running", "starting");
        asAgent().body("{\"code\":\"0\",\"msg\":\"ok\"}").put(API + "database/" + name + "/check").then().statusCode(202);
        given().put(API + "database/" + name + "/stopped").then().statusCode(202);
        given().get(API + "database/" + name + "/events").then().statusCode(200)
                .body("[0].type", equalTo("expect"))
                .body("[0].cause", equalTo("api"))
                .body("[0].to", equalTo("stopped"))
                .body("[1].type", equalTo("realtime"))
                .body("[1].host", equalTo("127.0.0.2"))
                .body("[1].from", equalTo("starting"))
                .body("[1].to", equalTo("running"))
                .body("[1].cause", equalTo("health-report"))
                .body("[1].message", equalTo("ok"));
        given().get(API + "database/never-existed/events").then().statusCode(404);
    }

    @Test
    void aReportAboutAnApplicationThatIsNotInstalledChangesNothing() {
        String name = created("database", "not-installed", "not-installed");
        given().put(API + "database/" + name + "/running").then().statusCode(202);
        asAgent().body("{\"code\":\"0\",\"msg\":\"ok\"}").put(API + "database/" + name + "/check").then().statusCode(202)
                .body("status.realtime", equalTo("not-installed"));
        given().get(API + "database/" + name + "/events").then().statusCode(200).body("[0].type", equalTo("expect"));
    }

    @Test
    void listFiltersAndPages() {
        String prefix = Seeds.uniqueName("page");
        for (int i = 0; i < 5; i++) {
            String expect = i % 2 == 0 ? "running" : "stopped";
            create("middleware", Seeds.minimalBody(prefix + "-" + i, expect, "not-installed")).then().statusCode(201);
        }
        // Walk every page of running+not-installed resources, 2 at a time; ours (0, 2, 4) come in name order.
        List<String> seen = new java.util.ArrayList<>();
        String next = null;
        int pages = 0;
        do {
            var request = given().queryParam("expect", "running").queryParam("realtime", "not-installed").queryParam("limit", 2);
            if (next != null) {
                request.queryParam("continue", next);
            }
            Response page = request.get(API + "middleware");
            page.then().statusCode(200).body("items.size()", org.hamcrest.Matchers.lessThanOrEqualTo(2))
                    .body("items.app.status.expect", everyItem(equalTo("running")));
            seen.addAll(page.jsonPath().getList("items.name"));
            next = page.jsonPath().getString("continue");
            pages++;
        } while (next != null && pages < 1000);
        List<String> ours = seen.stream().filter(n -> n.startsWith(prefix + "-")).toList();
        assertEquals(List.of(prefix + "-0", prefix + "-2", prefix + "-4"), ours);
        assertEquals(seen.stream().sorted().toList(), seen, "pages are in name order");
        assertTrue(pages >= 2);
    }

    @Test
    void listRefusesBadFilters() {
        given().queryParam("expect", "restart").get(API + "database").then().statusCode(400)
                .body("errors[0].field", equalTo("expect"));
        given().queryParam("realtime", "sleeping").get(API + "database").then().statusCode(400);
        given().queryParam("limit", "0").get(API + "database").then().statusCode(400).body("errors[0].field", equalTo("limit"));
        given().queryParam("limit", "many").get(API + "database").then().statusCode(400);
        given().queryParam("limit", "1").get(API + "database").then().statusCode(200);
    }

    @Test
    void emptyChangedListIsAnEmptyArray() {
        given().get(API + "database/status/changed/19990101").then().statusCode(200).body("$", empty());
    }

    @Test
    void operationsEndpointsAreUp() {
        given().get("/q/health/ready").then().statusCode(200).body("status", equalTo("UP"));
        given().get("/q/health/live").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/apis/v1alpha1/middleware/create"));
        given().get("/q/metrics").then().statusCode(200).body(containsString("http_server_requests"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    @Test
    void noStackTraceEverReachesAClient() {
        String body = given().body("{\"name\": [[[[").post(API + "database/create").then().statusCode(400)
                .body("detail", notNullValue()).body("errors", nullValue()).extract().asString();
        assertFalse(body.contains("at io."), body);
        assertFalse(body.contains("Exception"), body);
    }

    /** A request as the agent on the test resources' host (127.0.0.2) makes it: with that host's secret. */
    private static RequestSpecification asAgent() {
        return given().header("Authorization", AgentIdentity.bearer("127.0.0.2"));
    }
}
