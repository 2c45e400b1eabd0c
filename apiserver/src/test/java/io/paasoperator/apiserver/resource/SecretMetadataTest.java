package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Secret metadata (issue 15): values under keys listed in {@code secret_metadata}, or named like a secret (…PASSWD,
 * …PASSWORD, …SECRET, …TOKEN, …KEY), are sealed at rest, read ****** in every answer and event, and are opened only for
 * the agent (the end-to-end tests' PostgreSQL is installed with such a password and logged in to with it).
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class SecretMetadataTest {

    private static final String API = "/apis/v1alpha1/middleware/";

    @Inject
    ResourceStore store;

    @Inject
    ResourceDocuments documents;

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    private static String body(String name, String metadata) {
        return """
                {"name": "%s",
                 "host": [{"ip": "127.0.0.2", "auth": [{"username": "paas", "password": "pw-x"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "i.sh", "start": "s.sh", "stop": "t.sh",
                         "check": "c.sh", "uninstall": "u.sh", "secret_metadata": ["LICENSE"], "metadata": {%s}}}
                """.formatted(name, metadata);
    }

    private static final String METADATA = "\"APP_PASSWD\": \"meta-secret-1\", \"api_token\": \"meta-secret-2\","
            + " \"LICENSE\": \"meta-secret-3\", \"PORT\": \"6379\"";

    /** What the list shows at {@code path} of resource {@code name}: page after page, whatever other tests created. */
    private static String listed(String name, String path) {
        String item = "items.find { it.name == '" + name + "' }";
        String after = null;
        do {
            var request = given().queryParam("limit", 1000);
            var page = (after == null ? request : request.queryParam("continue", after))
                    .get(API.substring(0, API.length() - 1)).then().statusCode(200).extract().jsonPath();
            if (page.get(item) != null) {
                return page.getString(item + "." + path);
            }
            after = page.getString("continue");
        } while (after != null);
        throw new AssertionError(name + " is not listed");
    }

    @Test
    void secretValuesReadStarsEverywhereAndAreSealedAtRest() throws Exception {
        String name = Seeds.uniqueName("secret-meta");
        given().body(body(name, METADATA)).post(API + "create").then().statusCode(201)
                .body("app.metadata.APP_PASSWD", equalTo("******")).body("app.metadata.api_token", equalTo("******"))
                .body("app.metadata.LICENSE", equalTo("******")).body("app.metadata.PORT", equalTo("6379"))
                .body("app.secret_metadata", hasItem("LICENSE"));
        given().get(API + name).then().statusCode(200).body("app.metadata.LICENSE", equalTo("******"));
        assertEquals("******", listed(name, "app.metadata.APP_PASSWD"));
        // A new value for one secret: the history keeps the old spec, without its secrets.
        given().body(body(name, METADATA.replace("meta-secret-3", "meta-secret-4"))).put(API + name).then().statusCode(200);
        String events = given().get(API + name + "/events").then().statusCode(200).extract().asString();
        assertTrue(events.contains("\"spec\""), events);
        assertFalse(events.contains("meta-secret"), events);

        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
                ResultSet dump = st.executeQuery("select r::text from resource r union all select e::text from resource_event e")) {
            while (dump.next()) {
                assertFalse(dump.getString(1).contains("meta-secret"), dump.getString(1));
            }
        }
        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
                ResultSet row = st.executeQuery("select app_spec from resource where name = '" + name + "'")) {
            assertTrue(row.next());
            assertTrue(row.getString(1).contains("aesgcm:"), row.getString(1));
            assertTrue(row.getString(1).contains("6379"), "other metadata stays as given");
        }
    }

    @Test
    void starsSentBackKeepTheStoredSecretsAndTheAgentGetsThemOpen() throws Throwable {
        String name = Seeds.uniqueName("secret-keep");
        given().body(body(name, METADATA)).post(API + "create").then().statusCode(201);
        long generation = given().get(API + name).then().extract().jsonPath().getLong("detail.generation");
        // What a client GETs, PUT back as it is: nothing changed, no new generation.
        String stars = METADATA.replaceAll("meta-secret-\\d", "******");
        given().body(body(name, stars)).put(API + name).then().statusCode(200).body("detail.generation", equalTo((int) generation));
        // A plain value changed beside the stars: a new generation, the secrets kept.
        given().body(body(name, stars.replace("6379", "6380"))).put(API + name).then().statusCode(200)
                .body("detail.generation", equalTo((int) generation + 1));
        ResourceRecord record = VertxContextSupport.subscribeAndAwait(() -> store.get(ResourceKind.MIDDLEWARE, name));
        Map<String, String> opened = documents.openedApp(record).metadata();
        assertEquals("meta-secret-1", opened.get("APP_PASSWD"));
        assertEquals("meta-secret-2", opened.get("api_token"));
        assertEquals("meta-secret-3", opened.get("LICENSE"));
        assertEquals("6380", opened.get("PORT"));
    }

    @Test
    void starsWithNothingStoredAndBadSecretKeysAreRefusedNamingEachField() {
        String name = Seeds.uniqueName("secret-bad");
        given().body(body(name, METADATA)).post(API + "create").then().statusCode(201);
        given().body(body(name, METADATA + ", \"NEW_PASSWORD\": \"******\"")).put(API + name).then().statusCode(400)
                .body("errors.field", hasItem("app.metadata.NEW_PASSWORD"));
        given().body(body(Seeds.uniqueName("secret-bad"), METADATA).replace("[\"LICENSE\"]", "[\"LICENSE\", \"no-such name\"]"))
                .post(API + "create").then().statusCode(400)
                .body("errors.field", hasItem("app.secret_metadata[1]"));
    }
}
