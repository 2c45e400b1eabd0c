package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
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
import io.restassured.RestAssured;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a body can be wrong gets a 4xx problem naming what to fix, and leaves the store as it was. */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class BadInputTest {

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    private static final String CREATE = "/apis/v1alpha1/database/create";
    private static final String VALID = Seeds.minimalBody("NAME", "not-installed", "not-installed");

    /** A valid body with one piece replaced, and the field the answer must name. */
    static Stream<Arguments> invalidFields() {
        return Stream.of(
                Arguments.of(VALID.replace("\"name\": \"NAME\",", ""), "name"),
                Arguments.of(VALID.replace("\"NAME\"", "\"-bad-\""), "name"),
                Arguments.of(VALID.replace("\"NAME\"", "\"create\""), "name"),
                Arguments.of(VALID.replace("\"NAME\"", "\"" + "a".repeat(254) + "\""), "name"),
                Arguments.of(VALID.replace("\"NAME\"", "\"a b\""), "name"),
                Arguments.of(VALID.replace("\"NAME\"", "42"), "name"),
                Arguments.of(VALID.replace("\"127.0.0.2\"", "\"999.1.1.1\""), "host[0].ip"),
                Arguments.of(VALID.replace("\"127.0.0.2\"", "\"db.example\""), "host[0].ip"),
                Arguments.of(VALID.replace("\"ip\": \"127.0.0.2\", ", ""), "host[0].ip"),
                Arguments.of(VALID.replace("\"ip\": \"127.0.0.2\"", "\"ip\": \"127.0.0.2\", \"ssh_port\": 70000"), "host[0].ssh_port"),
                Arguments.of(VALID.replace("\"ip\": \"127.0.0.2\"", "\"ip\": \"127.0.0.2\", \"ssh_port\": \"22\""), "host[0].ssh_port"),
                Arguments.of(VALID.replace("\"ip\": \"127.0.0.2\"", "\"ip\": \"127.0.0.2\", \"agent_port\": 1e999"), "host[0].agent_port"),
                Arguments.of(VALID.replace("\"ip\": \"127.0.0.2\"", "\"ip\": \"127.0.0.2\", \"agent_port\": 99999999999999999999"), "host[0].agent_port"),
                // Auth may be left out (a registered agent), but not given as three pairs, nor as something else.
                Arguments.of(VALID.replace("[{\"username\": \"paas\", \"password\": \"pw-NAME\"}]",
                        "[{\"username\": \"paas\", \"password\": \"pw-NAME\"}, {\"username\": \"a\", \"password\": \"p\"},"
                                + " {\"username\": \"b\", \"password\": \"p\"}]"), "host[0].auth"),
                Arguments.of(VALID.replace("[{\"username\": \"paas\", \"password\": \"pw-NAME\"}]", "\"pw-NAME\""), "host[0].auth"),
                Arguments.of(VALID.replace("\"host\": [{\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"pw-NAME\"}]}],",
                        "\"host\": [{\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"p\"}]},"
                                + " {\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"p\"}]}],"), "host[1].ip"),
                Arguments.of(VALID.replace("\"host\": [", "\"host\": [" + "{\"ip\": \"127.0.1.1\", \"auth\": [{\"username\": \"paas\", \"password\": \"p\"}]},".repeat(64)), "host"),
                Arguments.of(VALID.replace("\"host\": [", "\"rollout\": {\"max_in_flight\": 0}, \"host\": ["), "rollout.max_in_flight"),
                Arguments.of(VALID.replace("\"paas\"", "\"root;rm\""), "host[0].auth[0].username"),
                Arguments.of(VALID.replace("\"password\": \"pw-NAME\"", "\"password\": \"\""), "host[0].auth[0].password"),
                Arguments.of(VALID.replace("\"password\": \"pw-NAME\"", "\"password\": \"pw\\nroot\""), "host[0].auth[0].password"),
                Arguments.of(VALID.replace("\"host\": [", "\"host\": {\"x\": ").replace("]}],", "]}},"), "host"),
                Arguments.of(VALID.replace("\"host\": [{\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"pw-NAME\"}]}],", ""), "host"),
                Arguments.of(VALID.replace("\"http://127.0.0.1:8000/repo/\"", "\"ftp://127.0.0.1/repo/\""), "app.repo_url"),
                Arguments.of(VALID.replace("\"http://127.0.0.1:8000/repo/\"", "\"http://user:secret@127.0.0.1/repo/\""), "app.repo_url"),
                Arguments.of(VALID.replace("\"http://127.0.0.1:8000/repo/\"", "\"http:// bad\""), "app.repo_url"),
                Arguments.of(VALID.replace("\"install.sh\"", "\"../install.sh\""), "app.install"),
                Arguments.of(VALID.replace("\"install.sh\"", "\"/bin/sh\""), "app.install"),
                Arguments.of(VALID.replace("\"install.sh\"", "\"x;reboot\""), "app.install"),
                Arguments.of(VALID.replace("\"install\": \"install.sh\", ", ""), "app.install"),
                Arguments.of(VALID.replace("\"start.sh\"", "[\"start.sh\"]"), "app.start"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"package\": \"..\","), "app.package"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"metadata\": {\"BAD KEY\": \"v\"},"), "app.metadata"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"metadata\": {\"APP_HOME\": \"/\"},"), "app.metadata.APP_HOME"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"metadata\": {\"PORT\": 3306},"), "app.metadata.PORT"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"metadata\": {\"X\": \"" + "v".repeat(9000) + "\"},"), "app.metadata.X"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"checksums\": {\"other.sh\": \"sha256:00\"},"), "app.checksums.other.sh"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"checksums\": {\"install.sh\": \"md5:00\"},"), "app.checksums.install.sh"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"timeouts\": {\"install\": 0},"), "app.timeouts.install"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"timeouts\": {\"dance\": 5},"), "app.timeouts.dance"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"check_interval\": 0,"), "app.check_interval"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"check_interval\": \"10\","), "app.check_interval"),
                Arguments.of(VALID.replace("\"expect\": \"not-installed\"", "\"expect\": \"restart\""), "app.status.expect"),
                Arguments.of(VALID.replace("\"realtime\": \"not-installed\"", "\"realtime\": \"sleeping\""), "app.status.realtime"),
                Arguments.of(VALID.replace("\"name\": \"NAME\",", "\"name\": \"NAME\", \"colour\": \"red\","), "colour"),
                Arguments.of(VALID.replace("\"install\":", "\"instal\": \"x.sh\", \"install\":"), "app.instal"),
                Arguments.of(VALID.replace("\"name\": \"NAME\",", "\"name\": \"NAME\", \"type\": \"middleware\","), "type"),
                Arguments.of(VALID.replace("\"app\": {", "\"app\": 7, \"x\": {"), "app"),
                // An unknown field holding an array, at the top (where host is) and inside app: named, not by an index.
                Arguments.of(VALID.replace("\"name\": \"NAME\",", "\"name\": \"NAME\", \"hostz\": [1, 2],"), "hostz"),
                Arguments.of(VALID.replace("\"name\": \"NAME\",", "\"name\": \"NAME\", \"hosts\": [],"), "hosts"),
                Arguments.of(VALID.replace("\"uninstall.sh\",", "\"uninstall.sh\", \"checksumz\": [\"a\"],"), "app.checksumz"));
    }

    @ParameterizedTest
    @MethodSource("invalidFields")
    void invalidFieldIs400NamingIt(String body, String field) {
        long before = count();
        String answer = given().body(body).post(CREATE).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("status", equalTo(400))
                .body("errors.field", hasItem(field))
                .extract().asString();
        assertFalse(answer.contains("pw-NAME"), "a password was echoed: " + answer);
        assertEquals(before, count(), "a refused create wrote something");
    }

    static Stream<String> malformedBodies() {
        return Stream.of("", "   ", "{", "}", "[]", "null", "42", "\"text\"", "{\"name\": }", "{\"name\": \"x\"} trailing",
                "{'name': 'x'}", "{\"name\": \"a\", \"name\": \"b\"}", "\u0000\u0001", "{\"name\": \"x\u0000\"",
                "[".repeat(100) + "]".repeat(100), "{\"a\":".repeat(100) + "1" + "}".repeat(100),
                VALID.substring(0, VALID.length() / 2), "{\"name\": [1, 2}");
    }

    @ParameterizedTest
    @MethodSource("malformedBodies")
    void malformedJsonIs400(String body) {
        long before = count();
        given().body(body).post(CREATE).then().statusCode(400).contentType("application/problem+json")
                .body("detail", org.hamcrest.Matchers.notNullValue())
                // Where, in words: never the parser's own ("[Source: REDACTED (`StreamReadFeature…"):
                .body("detail", org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("Source")));
        assertEquals(before, count());
    }

    @Test
    void aBodyOverTheLimitIs413WithAProblem() throws Exception {
        long before = count();
        // Declare a 5 MiB body and send none of it: the server must answer from the headers alone, without reading it.
        try (Socket socket = new Socket("localhost", RestAssured.port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("POST " + CREATE + " HTTP/1.1\r\nHost: localhost\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + 5 * 1024 * 1024 + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            StringBuilder received = new StringBuilder();
            byte[] buffer = new byte[1024];
            while (!received.toString().endsWith("}")) { // the problem document closes the answer
                int n = socket.getInputStream().read(buffer);
                if (n < 0) {
                    break;
                }
                received.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
            }
            String answer = received.toString();
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.toLowerCase().contains("content-type: application/problem+json"), answer);
            assertTrue(answer.contains("262144 bytes"), answer);
        }
        assertEquals(before, count());
    }

    @Test
    void manyErrorsAreReportedAtOnce() {
        String body = VALID.replace("\"NAME\"", "\"-x\"").replace("\"127.0.0.2\"", "\"nope\"").replace("\"install.sh\"", "\"../i\"");
        given().body(body).post(CREATE).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.hasItems("name", "host[0].ip", "app.install"));
    }

    @Test
    void everyBadQueryParameterIsNamedAtOnce() {
        given().queryParam("expect", "bogus").queryParam("realtime", "nope").queryParam("limit", "0")
                .get("/apis/v1alpha1/middleware").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("expect", "realtime", "limit"));
        // The watch's own parameters too, before any stream starts.
        given().queryParam("watch", "maybe").queryParam("expect", "bogus").queryParam("since", "yesterday")
                .get("/apis/v1alpha1/middleware").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("watch", "expect", "since"));
        given().queryParam("limit", "-5").get("/apis/v1alpha1/middleware/any/events").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("limit"));
        // A continue value is a name a page answered: a NUL is not even text to PostgreSQL (it was a 500).
        for (String after : List.of("\u0000", "a\u0000b", "-x")) {
            given().queryParam("continue", after).queryParam("realtime", "nope").get("/apis/v1alpha1/middleware").then()
                    .statusCode(400).contentType("application/problem+json")
                    .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("realtime", "continue"));
        }
    }

    /**
     * A parameter a call does not take, one given twice and one given empty are refused and named, not ignored: a
     * misspelt filter would list everything, a misspelt uninstall delete without uninstalling.
     */
    @Test
    void queryParametersACallDoesNotTakeAreNamedNotIgnored() {
        String list = "/apis/v1alpha1/middleware";
        given().queryParam("state", "running").queryParam("realtime", "nope").get(list).then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("state", "realtime"))
                .body("errors.find { it.field == 'state' }.message", org.hamcrest.Matchers.equalTo(
                        "is not a parameter of this call, which takes continue, expect, limit, realtime, watch"));
        given().get(list + "?limit=1&limit=2").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("limit"))
                .body("errors[0].message", org.hamcrest.Matchers.equalTo("is given 2 times: give it once"));
        given().get(list + "?expect=&limit=").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("expect", "limit"))
                .body("errors.message", org.hamcrest.Matchers.everyItem(org.hamcrest.Matchers.startsWith("is empty")));
        given().get(list + "?watch=true&limit=5&continue=x").then().statusCode(400).contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("limit", "continue"));
        given().get(list + "?since=12&watch=false").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("since"))
                .body("errors[0].message", org.hamcrest.Matchers.startsWith("is taken only with watch=true"));
        given().get(list + "/any/events?limit=5&since=1").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("since"));
        given().get(list + "/any/operations/" + java.util.UUID.randomUUID() + "/log?hots=127.0.0.1").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("hots"));

        String name = Seeds.uniqueName("kept");
        given().body(Seeds.minimalBody(name, "stopped", "stopped")).post(list + "/create").then().statusCode(201);
        given().delete(list + "/" + name + "?uninstal=true").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("uninstal"));
        given().delete(list + "/" + name + "?uninstall=true&uninstall=false").then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.contains("uninstall"));
        given().get(list + "/" + name + "/status").then().statusCode(200);
        given().delete(list + "/" + name + "?uninstall=false").then().statusCode(200);
    }

    @Test
    void unknownFieldsAreReportedWithEveryOtherErrorAtOnce() {
        // Unknown fields holding a number, a string, an object and an array: each named by its own path.
        String body = VALID.replace("\"NAME\"", "\"-x\"").replace("\"127.0.0.2\"", "\"nope\", \"sshport\": 2222")
                .replace("\"install.sh\"", "\"install.sh\", \"instal\": \"typo.sh\", \"hooks\": [\"a.sh\"]")
                .replace("{\"name\"", "{\"nmae\": 1, \"name\"").replace("\"sshport\"", "\"ssh\": {\"user\": \"x\"}, \"sshport\"");
        String answer = given().body(body).post(CREATE).then().statusCode(400)
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("nmae", "host[0].sshport", "host[0].ssh",
                        "app.instal", "app.hooks", "name", "host[0].ip"))
                .extract().asString();
        assertTrue(answer.contains("known here"), answer);
    }

    @Test
    void wrongTypesAreReportedWithEveryOtherErrorAtOnce() {
        long before = count();
        // Three values of the wrong type at three depths, an unknown field and a rule broken elsewhere: each named once.
        String body = VALID.replace("\"NAME\"", "42").replace("\"install.sh\"", "[\"install.sh\"]")
                .replace("\"127.0.0.2\"", "\"127.0.0.2\", \"ssh_port\": \"twenty-two\", \"sshport\": 22")
                .replace("\"stop.sh\"", "\"../stop.sh\"");
        String answer = given().body(body).post(CREATE).then().statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", org.hamcrest.Matchers.containsInAnyOrder("name", "app.install", "host[0].ssh_port",
                        "host[0].sshport", "app.stop"))
                .extract().asString();
        assertTrue(answer.contains("must be a string"), answer);
        assertTrue(answer.contains("must be a whole number"), answer);
        assertFalse(answer.contains("is required"), "a wrong type was also called missing: " + answer);
        assertEquals(before, count(), "a refused create wrote something");
    }

    @Test
    void badHealthReportsAre400AndChangeNothing() {
        String name = Seeds.uniqueName("report");
        given().body(Seeds.minimalBody(name, "running", "running")).post(CREATE).then().statusCode(201);
        String check = "/apis/v1alpha1/database/" + name + "/check";
        String agent = AgentIdentity.bearer("127.0.0.2");
        given().header("Authorization", agent).body("").put(check).then().statusCode(400);
        given().header("Authorization", agent).body("{\"msg\":\"no code\"}").put(check).then().statusCode(400).body("errors[0].field", equalTo("code"));
        given().header("Authorization", agent).body("{\"code\":[0]}").put(check).then().statusCode(400).body("errors[0].field", equalTo("code"));
        given().header("Authorization", agent).body("{\"code\":\"0\"").put(check).then().statusCode(400);
        given().get("/apis/v1alpha1/database/" + name).then()
                .body("app.status.realtime", equalTo("running"))
                .body("detail.version", equalTo(0));
    }

    private static long count() {
        // The list walks every page; cheaper than a side door into the database, and it is what a client sees.
        long total = 0;
        String next = null;
        do {
            var request = given().queryParam("limit", 1000);
            if (next != null) {
                request.queryParam("continue", next);
            }
            var page = request.get("/apis/v1alpha1/database").then().statusCode(200).extract().jsonPath();
            total += page.getList("items").size();
            next = page.getString("continue");
        } while (next != null);
        return total;
    }

    @Test
    void namesWithBytesNoDatabaseTakesAre404NotAServerError() {
        String agent = AgentIdentity.bearer("127.0.0.2");
        for (String name : List.of("%00x", "a%00", "%C0%80")) {
            given().urlEncodingEnabled(false).get("/apis/v1alpha1/database/" + name).then().statusCode(404);
            given().urlEncodingEnabled(false).get("/apis/v1alpha1/database/" + name + "/status").then().statusCode(404);
            given().urlEncodingEnabled(false).get("/apis/v1alpha1/database/" + name + "/events").then().statusCode(404);
            given().urlEncodingEnabled(false).put("/apis/v1alpha1/database/" + name + "/running").then().statusCode(404);
            given().urlEncodingEnabled(false).delete("/apis/v1alpha1/database/" + name).then().statusCode(200);
            given().urlEncodingEnabled(false).header("Authorization", agent).body("{\"code\":\"0\"}").put("/apis/v1alpha1/database/" + name + "/check")
                    .then().statusCode(404);
        }
    }
}
