package io.paasoperator.apiserver.api;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * PUT /hosts/{ip} registers an agent installed by other means (SPEC.md §3): every bad field is named at once and
 * nothing is stored; the secret is never answered or logged; registering again rotates it; reports are taken by it; a
 * resource may list the host without auth.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class HostRegistrationTest {

    private static final String HOSTS = "/apis/v1alpha1/hosts/";
    private static final String MIDDLEWARE = "/apis/v1alpha1/middleware/";

    @Inject
    HostStore hosts;

    @BeforeEach
    void token() {
        ApiClientToken.sendWithEveryRequest();
    }

    /** A body with a bad part, and every field the answer must name. */
    static Stream<Arguments> badRegistrations() {
        String secret = "\"" + secret("bad") + "\"";
        return Stream.of(
                Arguments.of("127.0.0.81", "{\"agent_port\": 0, \"secret\": \"short-s3cr3t\", \"colour\": \"red\"}",
                        new String[] {"agent_port", "secret", "colour"}),
                Arguments.of("not-an-ip", "{\"agent_port\": 70000, \"secret\": " + secret + "}", new String[] {"ip", "agent_port"}),
                Arguments.of("127.0.0.82", "{\"agent_port\": 3335}", new String[] {"secret"}),
                Arguments.of("127.0.0.83", "{\"secret\": null}", new String[] {"secret"}),
                Arguments.of("127.0.0.84", "{\"secret\": 1234567890123456789}", new String[] {"secret"}),
                Arguments.of("127.0.0.85", "{\"secret\": \"s3cr3t-with-a-newline\\nin-it\"}", new String[] {"secret"}),
                Arguments.of("127.0.0.86", "{\"secret\": \"s3cr3t-" + "x".repeat(1100) + "\"}", new String[] {"secret"}),
                Arguments.of("127.0.0.87", "{\"agent_port\": \"3335\", \"secret\": " + secret + "}", new String[] {"agent_port"}),
                Arguments.of("127.0.0.88", "{\"agent_port\": 3335.5, \"secret\": " + secret + ", \"auth\": []}",
                        new String[] {"agent_port", "auth"}));
    }

    @ParameterizedTest
    @MethodSource("badRegistrations")
    void everyBadFieldIsNamedAtOnceAndNothingIsStored(String ip, String body, String[] fields) {
        String answer = given().body(body).put(HOSTS + ip).then()
                .statusCode(400)
                .contentType("application/problem+json")
                .body("errors.field", containsInAnyOrder(fields))
                .extract().asString();
        assertFalse(answer.contains("s3cr3t"), "a secret was echoed: " + answer);
        if (!ip.equals("not-an-ip")) {
            given().get(HOSTS + ip).then().statusCode(404);
        }
    }

    @Test
    void malformedOrMissingBodiesAre400() {
        for (String body : new String[] {"", "{", "[]", "\"text\"", "{\"secret\": \"a\"} trailing"}) {
            given().body(body).put(HOSTS + "127.0.0.89").then().statusCode(400).contentType("application/problem+json")
                    .body("detail", notNullValue());
        }
        given().get(HOSTS + "127.0.0.89").then().statusCode(404);
    }

    @Test
    void anotherProgramOnTheAgentPortIsNamedAsSuch() {
        // This apiserver's own address and port: an HTTP server, but no agent (404 to /version).
        String ip = "127.0.0.1";
        given().body("{\"agent_port\": " + RestAssured.port + ", \"secret\": \"" + secret("other") + "\"}").put(HOSTS + ip)
                .then().statusCode(200)
                .body("last_error", containsString("something other than an agent answers at " + ip + ":" + RestAssured.port))
                .body("$", not(hasKey("agent")));
        given().delete(HOSTS + ip).then().statusCode(200);
    }

    @Test
    void aRegisteredHostIsShownWithoutItsSecretAndRegisteringAgainRotatesIt() throws Exception {
        String ip = "127.0.0.91";
        String first = secret("first");
        String second = secret("second");
        given().body("{\"agent_port\": 3335, \"secret\": \"" + first + "\", \"// note\": \"comments are fine\"}")
                .put(HOSTS + ip).then().statusCode(200)
                .body("ip", equalTo(ip))
                .body("agent_port", equalTo(3335))
                .body("registered", equalTo(true))
                .body("registered_at", notNullValue())
                .body("$", not(hasKey("agent")))
                // Stored though nothing answers there: the agent is looked at first, and the answer says what was found.
                .body("last_error", containsString("the registered agent on " + ip + ":3335 does not answer"))
                .body(not(containsString(first)));
        given().get(HOSTS).then().statusCode(200).body("find { it.ip == '" + ip + "' }.registered", equalTo(true));

        // Listed without auth: no password is needed for a registered host; the view shows no auth either.
        String name = Seeds.uniqueName("registered");
        given().body(withoutAuth(name, ip)).post(MIDDLEWARE + "create").then().statusCode(201)
                .body("host[0].ip", equalTo(ip))
                .body("host[0]", not(hasKey("auth")));
        given().header("Authorization", "Bearer " + first).body("{\"code\": \"0\", \"msg\": \"ok\"}")
                .put(MIDDLEWARE + name + "/check").then().statusCode(202);

        // A rotation: the new port and secret replace the old; reports with the old secret are no longer taken.
        given().body("{\"agent_port\": 3400, \"secret\": \"" + second + "\"}").put(HOSTS + ip).then().statusCode(200)
                .body("agent_port", equalTo(3400))
                .body("registered", equalTo(true))
                .body(not(containsString(second)));
        given().header("Authorization", "Bearer " + first).body("{\"code\": \"0\", \"msg\": \"ok\"}")
                .put(MIDDLEWARE + name + "/check").then().statusCode(401);
        given().header("Authorization", "Bearer " + second).body("{\"code\": \"0\", \"msg\": \"ok\"}")
                .put(MIDDLEWARE + name + "/check").then().statusCode(202);

        // Forgotten as any host, once no resource lists it.
        given().delete(HOSTS + ip).then().statusCode(409);
        given().delete(MIDDLEWARE + name).then().statusCode(200);
        given().delete(HOSTS + ip).then().statusCode(200);
        given().get(HOSTS + ip).then().statusCode(404);

        String log = Files.readString(Path.of("target", "quarkus-test.log"));
        assertFalse(log.contains(first) || log.contains(second), "a registered secret reached the log");
    }

    @Test
    void twoHostsCannotShareASecret() {
        String shared = secret("shared");
        given().body("{\"secret\": \"" + shared + "\"}").put(HOSTS + "127.0.0.92").then().statusCode(200);
        given().body("{\"secret\": \"" + shared + "\"}").put(HOSTS + "127.0.0.93").then().statusCode(409)
                .body("detail", containsString("another host's agent holds this secret"))
                .body(not(containsString(shared)));
        given().get(HOSTS + "127.0.0.93").then().statusCode(404);
        // The host that holds it may register it again.
        given().body("{\"secret\": \"" + shared + "\"}").put(HOSTS + "127.0.0.92").then().statusCode(200);
    }

    @Test
    void aHostBeingBootstrappedIsNotRegisteredUnderTheBootstrapsFeet() throws Throwable {
        String ip = "127.0.0.94";
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        VertxContextSupport.subscribeAndAwait(() -> hosts.claimLease(ip, 3335, "another-replica", now.plusSeconds(60), now));
        given().body("{\"secret\": \"" + secret("leased") + "\"}").put(HOSTS + ip).then().statusCode(409)
                .body("detail", containsString("installing an agent on " + ip + " over SSH"));
        given().get(HOSTS + ip).then().statusCode(200).body("registered", equalTo(false));
        VertxContextSupport.subscribeAndAwait(() -> hosts.releaseLease(ip, "another-replica"));
        given().body("{\"secret\": \"" + secret("leased") + "\"}").put(HOSTS + ip).then().statusCode(200)
                .body("registered", equalTo(true));
    }

    @Test
    void aHostListedWithoutAuthNeedsNoRegistrationToBeCreated() {
        // Whether its agent is registered is the reconciler's business when it gets there (ReconcileEndToEndIT).
        String name = Seeds.uniqueName("unregistered");
        given().body(withoutAuth(name, "127.0.0.95")).post(MIDDLEWARE + "create").then().statusCode(201);
        given().get(MIDDLEWARE + name).then().statusCode(200).body("host[0]", not(hasKey("auth")));
        given().body(withoutAuth(name, "127.0.0.95").replace("\"ip\": \"127.0.0.95\"", "\"ip\": \"127.0.0.95\", \"auth\": {}"))
                .put(MIDDLEWARE + name).then().statusCode(400).body("errors.field", hasItem("host[0].auth"));
        given().delete(MIDDLEWARE + name).then().statusCode(200);
    }

    /**
     * A registered agent answers on its registered port only: a resource naming another is refused at once (it was
     * stored, and every step on the host failed), by a create and by a spec update alike.
     */
    @Test
    void aResourceNamesTheAgentPortItsHostIsRegisteredWith() {
        String ip = "127.0.0.173";
        given().body("{\"agent_port\": 4173, \"secret\": \"" + secret("registered-port") + "\"}").put(HOSTS + ip).then()
                .statusCode(200);
        String name = Seeds.uniqueName("registered-port");
        String onItsPort = withoutAuth(name, ip).replace("\"ip\": \"" + ip + "\"", "\"ip\": \"" + ip + "\", \"agent_port\": 4173");
        given().body(withoutAuth(name, ip)).post(MIDDLEWARE + "create").then().statusCode(409)
                .body("errors.field", contains("host[0]"))
                .body("errors[0].message", equalTo(ip + " is registered with agent_port 4173, not 3335 (PUT /hosts/" + ip + ")"));
        given().get(MIDDLEWARE + name).then().statusCode(404);
        given().body(onItsPort).post(MIDDLEWARE + "create").then().statusCode(201);
        given().body(withoutAuth(name, ip)).put(MIDDLEWARE + name).then().statusCode(409)
                .body("errors.field", contains("host[0]"));
        given().get(MIDDLEWARE + name).then().statusCode(200).body("host[0].agent_port", equalTo(4173));
        // A change that leaves the host as it was is not held up by it; one that adds it on another port is.
        given().body(onItsPort.replace("install.sh", "setup.sh")).put(MIDDLEWARE + name).then().statusCode(200);
        String other = Seeds.uniqueName("registered-port");
        given().body(withoutAuth(other, "127.0.0.176")).post(MIDDLEWARE + "create").then().statusCode(201);
        given().body(withoutAuth(other, "127.0.0.176").replace("\"host\": [{\"ip\": \"127.0.0.176\"}]",
                        "\"host\": [{\"ip\": \"127.0.0.176\"}, {\"ip\": \"" + ip + "\"}]"))
                .put(MIDDLEWARE + other).then().statusCode(409).body("errors.field", contains("host[1]"));
        given().get(MIDDLEWARE + other).then().statusCode(200).body("host.ip", contains("127.0.0.176"));
        // Registered again on another port, the host's one resource follows with an update of its own.
        given().body("{\"agent_port\": 4174, \"secret\": \"" + secret("registered-port") + "\"}").put(HOSTS + ip).then()
                .statusCode(200);
        given().body(onItsPort.replace("4173", "4174")).put(MIDDLEWARE + name).then().statusCode(200);
        given().delete(MIDDLEWARE + name).then().statusCode(200);
        given().delete(MIDDLEWARE + other).then().statusCode(200);
        given().delete(HOSTS + ip).then().statusCode(200);
    }

    /** A distinct secret of the length a user would pick; "s3cr3t" in it shows if it is ever echoed. */
    private static String secret(String label) {
        return "s3cr3t-" + label + "-" + UUID.nameUUIDFromBytes(label.getBytes()).toString();
    }

    private static String withoutAuth(String name, String ip) {
        return Seeds.onHosts(name, "[{\"ip\": \"" + ip + "\"}]");
    }
}
