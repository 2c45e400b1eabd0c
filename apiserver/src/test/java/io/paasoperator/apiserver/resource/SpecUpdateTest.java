package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@code PUT /{kind}/{name}} and {@code DELETE …?uninstall=true} as the API answers them (the reconciler is off here). */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class SpecUpdateTest {

    private static final String API = "/apis/v1alpha1/";

    @Inject
    SecretCipher cipher;

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    private static String created() {
        String name = Seeds.uniqueName("spec");
        given().body(Seeds.minimalBody(name, "running", "running")).post(API + "database/create").then().statusCode(201);
        return name;
    }

    /** A create-shaped body without status, as an update sends it, with metadata V and the given password. */
    private static String update(String name, String metadataValue, String password) {
        return """
                {"name": "%s",
                 "host": [{"ip": "127.0.0.2", "auth": [{"username": "paas", "password": "%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh", "metadata": {"V": "%s"}}}
                """.formatted(name, password, metadataValue);
    }

    private static Response get(String name) {
        return given().get(API + "database/" + name);
    }

    @Test
    void aChangeOfWhatHostsRunIsANewGenerationAndAnUnchangedBodyIsNot() {
        String name = created();
        String etag = get(name).then().statusCode(200).body("detail.generation", equalTo(1)).extract().header("ETag");
        Response changed = given().body(update(name, "1", "******")).put(API + "database/" + name);
        changed.then().statusCode(200).body("detail.generation", equalTo(2)).body("app.metadata.V", equalTo("1"))
                .body("app.metadata.CreateAt", org.hamcrest.Matchers.notNullValue())
                .body("app.status.expect", equalTo("running"))
                .body("detail.rollout.generation", equalTo(2)).body("detail.rollout.updated", equalTo(0));
        String newEtag = changed.header("ETag");
        assertNotEquals(etag, newEtag);
        assertEquals(newEtag, get(name).header("ETag"));
        // The same body again: nothing written, same generation, same tag.
        given().body(update(name, "1", "******")).put(API + "database/" + name).then().statusCode(200)
                .header("ETag", newEtag).body("detail.generation", equalTo(2));
        given().get(API + "database/" + name + "/events").then().body("type", hasItem("spec"));
    }

    @Test
    void hiddenPasswordsKeepTheStoredOnesAndANewPasswordRunsNothing() throws Exception {
        String name = created();
        given().body(update(name, "1", "******")).put(API + "database/" + name).then().statusCode(200);
        assertEquals("pw-" + name, storedPassword(name));
        String etag = get(name).header("ETag");
        given().body(update(name, "1", "new-secret")).put(API + "database/" + name).then().statusCode(200)
                .body("detail.generation", equalTo(2)).body("host[0].auth[0].password", equalTo("******"));
        assertEquals("new-secret", storedPassword(name));
        assertNotEquals(etag, get(name).header("ETag"), "a written spec moves the tag");
    }

    @Test
    void badUpdatesAreRefusedNamingTheFieldAndStoreNothing() {
        String name = created();
        String etag = get(name).header("ETag");
        given().body(update("other-name", "1", "p")).put(API + "database/" + name).then().statusCode(400)
                .contentType("application/problem+json").body("errors[0].field", equalTo("name"));
        given().body(Seeds.minimalBody(name, "running", "running")).put(API + "database/" + name).then().statusCode(400)
                .body("errors[0].field", equalTo("app.status"));
        given().header("If-Match", "\"999\"").body(update(name, "1", "p")).put(API + "database/" + name).then().statusCode(412)
                .contentType("application/problem+json").body("detail", containsString("GET it again"));
        // ****** on a host that has no stored password to keep.
        given().body(update(name, "1", "******").replace("127.0.0.2", "127.0.0.66"))
                .put(API + "database/" + name).then().statusCode(400).body("errors[0].field", equalTo("host[0].auth[0].password"));
        String twice = update(name, "1", "p").replace("\"host\": [{", "\"host\": [{\"ip\": \"127.0.0.2\", \"auth\": [{\"username\": \"paas\", \"password\": \"p\"}]}, {");
        given().body(twice).put(API + "database/" + name).then().statusCode(400).body("errors[0].field", equalTo("host[1].ip"));
        given().body(update("nobody-here", "1", "p")).put(API + "database/nobody-here").then().statusCode(404);
        get(name).then().header("ETag", etag).body("detail.generation", equalTo(1));
        // With the current tag, the update goes through.
        given().header("If-Match", etag).body(update(name, "2", "p")).put(API + "database/" + name).then().statusCode(200);
    }

    @Test
    void aHostsAgentCannotRunAsTwoAccounts() {
        String first = created();
        String name = Seeds.uniqueName("account");
        String body = Seeds.minimalBody(name, "running", "running").replace("\"paas\"", "\"someone-else\"");
        given().body(body).post(API + "database/create").then().statusCode(409)
                .body("errors[0].field", equalTo("host[0]"))
                .body("errors[0].message", containsString("as 'paas', not 'someone-else'"));
        given().get(API + "database/" + name).then().statusCode(404);
        assertEquals(first, get(first).then().statusCode(200).extract().path("name"));
    }

    /** A body for host {@code ip} with agent port {@code port} and, unless null, auth as {@code account}. */
    private static String onHost(String name, String ip, int port, String account) {
        String auth = account == null ? "" : ", \"auth\": [{\"username\": \"" + account + "\", \"password\": \"pw\"}]";
        return Seeds.onHosts(name, "[{\"ip\": \"%s\", \"agent_port\": %d%s}]".formatted(ip, port, auth));
    }

    /**
     * The agreement is checked against every resource on the host, not a few of them: resources that name no account
     * agree with any, so the one that names one must be found however many others come first.
     */
    @Test
    void anAccountNamedByOneOfManyResourcesOnAHostIsFound() {
        String ip = "127.0.0.157";
        for (int i = 0; i < 5; i++) {
            given().body(onHost(Seeds.uniqueName("no-auth"), ip, 3335, null)).post(API + "database/create").then().statusCode(201);
        }
        String named = Seeds.uniqueName("named");
        given().body(onHost(named, ip, 3335, "alice")).post(API + "database/create").then().statusCode(201);
        given().body(onHost(Seeds.uniqueName("no-auth"), ip, 3335, null)).post(API + "database/create").then().statusCode(201);
        String refused = Seeds.uniqueName("bob");
        given().body(onHost(refused, ip, 3335, "bob")).post(API + "database/create").then().statusCode(409)
                .body("errors[0].field", equalTo("host[0]"))
                .body("errors[0].message", equalTo("database '" + named + "' runs the agent of " + ip + " as 'alice', not 'bob'"));
        given().body(onHost(refused, ip, 3336, null)).post(API + "database/create").then().statusCode(409)
                .body("errors[0].message", containsString("names agent_port 3335 for " + ip + ", not 3336"));
        given().body(onHost(refused, ip, 3335, "alice")).post(API + "database/create").then().statusCode(201);
    }

    /** Each host of a resource is checked on its own: every one that disagrees is named by its place, and only those. */
    @Test
    void eachDisagreeingHostIsNamedByItsPlace() {
        String first = "127.0.0.164", second = "127.0.0.165", fresh = "127.0.0.166";
        String onFirst = Seeds.uniqueName("on-first"), onSecond = Seeds.uniqueName("on-second");
        given().body(onHost(onFirst, first, 3335, null)).post(API + "database/create").then().statusCode(201);
        given().body(onHost(onSecond, second, 3336, null)).post(API + "database/create").then().statusCode(201);
        String name = Seeds.uniqueName("three");
        String hosts = "[{\"ip\": \"%s\", \"agent_port\": %d}, {\"ip\": \"%s\", \"agent_port\": 3335},"
                + " {\"ip\": \"%s\", \"agent_port\": %d}]";
        given().body(Seeds.onHosts(name, hosts.formatted(second, 3335, fresh, first, 3337))).post(API + "database/create").then()
                .statusCode(409)
                .body("errors.field", contains("host[0]", "host[2]"))
                .body("errors[0].message", equalTo("database '" + onSecond + "' names agent_port 3336 for " + second
                        + ", not 3335"))
                .body("errors[1].message", equalTo("database '" + onFirst + "' names agent_port 3335 for " + first
                        + ", not 3337"));
        given().body(Seeds.onHosts(name, hosts.formatted(second, 3336, fresh, first, 3335))).post(API + "database/create").then()
                .statusCode(201);
    }

    /** A host's only resource may move its agent; then the new port is the one others must agree with, not the old. */
    @Test
    void aSpecUpdateMovesWhatTheHostsAgentIsAgreedToBe() {
        String ip = "127.0.0.158";
        String only = Seeds.uniqueName("only");
        given().body(onHost(only, ip, 3335, "paas")).post(API + "database/create").then().statusCode(201);
        given().body(onHost(only, ip, 3400, "paas")).put(API + "database/" + only).then().statusCode(200);
        given().body(onHost(Seeds.uniqueName("old-port"), ip, 3335, "paas")).post(API + "database/create").then()
                .statusCode(409).body("errors[0].message", containsString("names agent_port 3400 for " + ip + ", not 3335"));
        given().body(onHost(Seeds.uniqueName("new-port"), ip, 3400, null)).post(API + "database/create").then().statusCode(201);
        // Once the host is no longer listed (being removed), what the resource said of its agent binds no one.
        given().body(onHost(only, "127.0.0.159", 3335, "paas")).put(API + "database/" + only).then().statusCode(200);
        given().body(onHost(Seeds.uniqueName("other-account"), ip, 3400, "someone")).post(API + "database/create").then()
                .statusCode(201);
    }

    @Test
    void uninstallOnDeleteIsAcceptedAndShownUntilDone() {
        String name = created();
        given().delete(API + "database/" + name + "?uninstall=true").then().statusCode(202)
                .body("message", containsString("uninstalling"));
        get(name).then().statusCode(200).body("app.status.expect", equalTo("not-installed"))
                .body("app.status.realtime", equalTo("uninstalling")).body("detail.deleting", equalTo(true));
        given().put(API + "database/" + name + "/running").then().statusCode(409);
        given().delete(API + "database/" + name + "?uninstall=maybe").then().statusCode(400)
                .body("errors[0].field", equalTo("uninstall"));
        given().delete(API + "database/never-" + name + "?uninstall=true").then().statusCode(200);
        // A plain delete still removes it at once (the way out when a host will never answer again).
        given().delete(API + "database/" + name).then().statusCode(200);
        get(name).then().statusCode(404);
    }

    @Test
    void aRemovedHostThatCannotBeReachedCanBeForgottenByHand() {
        String name = Seeds.uniqueName("shrink");
        String two = update(name, "1", "p").replace("\"host\": [{", "\"host\": [{\"ip\": \"127.0.0.67\", \"auth\": [{\"username\": \"paas\", \"password\": \"p\"}]}, {")
                .replace("\"metadata\"", "\"status\": {\"expect\": \"running\", \"realtime\": \"running\"}, \"metadata\"");
        given().body(two).post(API + "database/create").then().statusCode(201);
        given().body(update(name, "1", "******")).put(API + "database/" + name).then().statusCode(200)
                .body("detail.hosts.ip", org.hamcrest.Matchers.contains("127.0.0.2", "127.0.0.67"))
                .body("detail.hosts[1].removing", equalTo(true))
                .body("host.ip", org.hamcrest.Matchers.contains("127.0.0.2"));
        // Listed again before it was gone: it keeps its state.
        given().body(two.replace("\"status\": {\"expect\": \"running\", \"realtime\": \"running\"}, ", "").replace("\"password\": \"p\"", "\"password\": \"******\""))
                .put(API + "database/" + name).then().statusCode(200)
                .body("detail.hosts.find { it.ip == '127.0.0.67' }.realtime", equalTo("running"))
                .body("detail.hosts.find { it.ip == '127.0.0.67' }.removing", equalTo(false));
        given().body(update(name, "1", "******")).put(API + "database/" + name).then().statusCode(200);
        given().delete(API + "hosts/127.0.0.2").then().statusCode(409).body("detail", containsString("lists host 127.0.0.2"));
        given().delete(API + "hosts/127.0.0.67").then().statusCode(200).body("message", containsString("1 resource"));
        get(name).then().body("detail.hosts.ip", org.hamcrest.Matchers.contains("127.0.0.2"));
        given().get(API + "database/" + name + "/events").then().body("type", hasItem("host-removed"));
        given().delete(API + "hosts/127.0.0.68").then().statusCode(404);
        given().delete(API + "hosts/not-an-ip").then().statusCode(400);
    }

    private String storedPassword(String name) throws Exception {
        try (Connection db = TestDatabase.connect(); Statement st = db.createStatement();
                ResultSet row = st.executeQuery("select hosts::jsonb->0->'auth'->0->>'password' from resource where name = '" + name + "'")) {
            row.next();
            return cipher.decrypt(row.getString(1));
        }
    }
}
