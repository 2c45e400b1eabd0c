package io.paasoperator.apiserver.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** SPEC.md §7: the apiserver takes a report for a resource only from an agent of one of that resource's hosts. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class AgentReportsTest {

    private static final String API = "/apis/v1alpha1/middleware/";
    private static final String HOST_A = "127.0.0.2";
    private static final String HOST_B = "127.0.0.3";

    @BeforeEach
    void token() {
        ApiClientToken.sendWithEveryRequest();
    }

    @Test
    void anAgentOfAnotherHostCannotReportAndChangesNothing() {
        String name = Seeds.uniqueName("reports");
        given().body(Seeds.minimalBody(name, "running", "running")).post(API + "create").then().statusCode(201);
        String operation = """
                {"id": "op-1", "action": "stop", "state": "succeeded", "exit_code": 0}""";

        given().header("Authorization", AgentIdentity.bearer(HOST_B)).body("{\"code\":\"1\",\"msg\":\"down\"}")
                .put(API + name + "/check").then().statusCode(403)
                .body("detail", containsString("the agent of " + HOST_B + " does not manage"));
        // Without started_at: 403 all the same, before what the body lacks.
        given().header("Authorization", AgentIdentity.bearer(HOST_B)).body(operation)
                .put(API + name + "/operations/op-1").then().statusCode(403);
        // A whole result: refused where it would be written.
        given().header("Authorization", AgentIdentity.bearer(HOST_B))
                .body(operation.replace("}", ", \"started_at\": \"2026-12-04T10:00:00Z\"}"))
                .put(API + name + "/operations/op-1").then().statusCode(403)
                .body("detail", containsString("the agent of " + HOST_B + " does not manage"));
        given().get(API + name).then().statusCode(200)
                .body("app.status.realtime", equalTo("running"))
                .body("detail.version", equalTo(0));

        given().header("Authorization", AgentIdentity.bearer(HOST_A)).body("{\"code\":\"1\",\"msg\":\"down\"}")
                .put(API + name + "/check").then().statusCode(202).body("status.realtime", equalTo("failed"));
    }

    @Test
    void aReportForAnUnknownResourceIs404OnlyForAKnownAgent() {
        given().header("Authorization", AgentIdentity.bearer(HOST_A)).body("{\"code\":\"0\"}")
                .put(API + "no-such-thing/check").then().statusCode(404);
        given().header("Authorization", "Bearer not-a-secret").body("{\"code\":\"0\"}")
                .put(API + "no-such-thing/check").then().statusCode(401);
    }
}
