package io.paasoperator.apiserver.security;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.apiserver.resource.KeyRotation;
import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.SshKeys;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vertx.VertxContextSupport;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * A password, private key or passphrase sealed under a retired key (the test profile's PAAS_SECRET_KEY_PREVIOUS) is
 * re-sealed under the current one.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class KeyRotationTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ConfigProperty(name = "paas.secret-key-previous")
    List<String> previousKeys;

    @Inject
    SecretCipher cipher;

    @Inject
    KeyRotation rotation;

    @Test
    void passwordsSealedWithARetiredKeyAreResealedAndStillOpen() throws Throwable {
        ApiClientToken.sendWithEveryRequest();
        String name = Seeds.uniqueName("rotated");
        given().body(Seeds.seedBody("database", name)).post("/apis/v1alpha1/database/create").then().statusCode(201);

        // Seal the stored passwords with the retired key, as a database written before the rotation would hold them.
        SecretCipher retired = new SecretCipher(Optional.of(previousKeys.get(0)), Optional.empty(), Files.createTempDirectory("k"));
        JsonNode hosts = JSON.readTree(readHosts(name));
        for (JsonNode credential : hosts.get(0).get("auth")) {
            ((ObjectNode) credential).put("password", retired.encrypt(cipher.decrypt(credential.get("password").asText())));
        }
        writeHosts(name, hosts.toString());
        assertTrue(cipher.sealedWithOlderKey(hosts.at("/0/auth/0/password").asText()));

        int changed = VertxContextSupport.subscribeAndAwait(rotation::resealAll);
        assertTrue(changed >= 1);

        JsonNode resealed = JSON.readTree(readHosts(name));
        List<String> passwords = new ArrayList<>();
        for (JsonNode credential : resealed.get(0).get("auth")) {
            assertFalse(cipher.sealedWithOlderKey(credential.get("password").asText()));
            passwords.add(cipher.decrypt(credential.get("password").asText()));
        }
        assertEquals(List.of("root123", "ssh123"), passwords);
        assertEquals(0, (int) VertxContextSupport.subscribeAndAwait(rotation::resealAll), "nothing left to re-seal");
    }

    @Test
    void secretMetadataSealedWithARetiredKeyIsResealedAndStillOpens() throws Throwable {
        ApiClientToken.sendWithEveryRequest();
        String name = Seeds.uniqueName("rotated-meta");
        given().body(Seeds.seedBody("database", name)).post("/apis/v1alpha1/database/create").then().statusCode(201);
        SecretCipher retired = new SecretCipher(Optional.of(previousKeys.get(0)), Optional.empty(), Files.createTempDirectory("k"));
        ObjectNode app = (ObjectNode) JSON.readTree(readColumn("app_spec", name));
        ObjectNode metadata = (ObjectNode) app.get("metadata");
        metadata.put("APP_PASSWD", retired.encrypt(cipher.decrypt(metadata.get("APP_PASSWD").asText())));
        writeColumn("app_spec", name, app.toString());

        assertTrue(VertxContextSupport.subscribeAndAwait(rotation::resealAll) >= 1);
        String resealed = JSON.readTree(readColumn("app_spec", name)).at("/metadata/APP_PASSWD").asText();
        assertFalse(cipher.sealedWithOlderKey(resealed), resealed);
        assertEquals("MYSQL123", cipher.decrypt(resealed));
    }

    @Test
    void privateKeysAndPassphrasesSealedWithARetiredKeyAreResealedAndStillOpen() throws Throwable {
        ApiClientToken.sendWithEveryRequest();
        String name = Seeds.uniqueName("rotated-key");
        String passphrase = "key-pass-" + ProcessHandle.current().pid();
        String key = SshKeys.pemRsa(passphrase).privateKey();
        Map<String, Object> credential = Map.of("username", "ops", "private_key", key, "passphrase", passphrase);
        String body = JSON.writeValueAsString(Map.of("name", name,
                "host", List.of(Map.of("ip", "127.0.3.30", "auth", List.of(credential))),
                "app", Map.of("repo_url", "http://127.0.0.1:8000/repo/", "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh")));
        given().body(body).post("/apis/v1alpha1/database/create").then().statusCode(201);

        SecretCipher retired = new SecretCipher(Optional.of(previousKeys.get(0)), Optional.empty(), Files.createTempDirectory("k"));
        JsonNode hosts = JSON.readTree(readHosts(name));
        ObjectNode stored = (ObjectNode) hosts.at("/0/auth/0");
        for (String field : List.of("private_key", "passphrase")) {
            stored.put(field, retired.encrypt(cipher.decrypt(stored.get(field).asText())));
            assertTrue(cipher.sealedWithOlderKey(stored.get(field).asText()));
        }
        writeHosts(name, hosts.toString());

        assertTrue(VertxContextSupport.subscribeAndAwait(rotation::resealAll) >= 1);

        JsonNode resealed = JSON.readTree(readHosts(name)).at("/0/auth/0");
        for (String field : List.of("private_key", "passphrase")) {
            assertFalse(cipher.sealedWithOlderKey(resealed.get(field).asText()), field);
        }
        assertEquals(key, cipher.decrypt(resealed.get("private_key").asText()));
        assertEquals(passphrase, cipher.decrypt(resealed.get("passphrase").asText()));
    }

    @Test
    void agentSecretsSealedWithARetiredKeyAreResealedAndStillOpen() throws Throwable {
        String ip = "127.0.0.78";
        String secret = AgentIdentity.bearer(ip).substring("Bearer ".length());
        SecretCipher retired = new SecretCipher(Optional.of(previousKeys.get(0)), Optional.empty(), Files.createTempDirectory("k"));
        try (Connection db = TestDatabase.connect();
                PreparedStatement update = db.prepareStatement("update agent_host set agent_secret = ? where ip = ?")) {
            update.setString(1, retired.encrypt(secret));
            update.setString(2, ip);
            assertEquals(1, update.executeUpdate());
        }

        assertTrue(VertxContextSupport.subscribeAndAwait(rotation::resealAll) >= 1);

        try (Connection db = TestDatabase.connect();
                PreparedStatement query = db.prepareStatement("select agent_secret from agent_host where ip = ?")) {
            query.setString(1, ip);
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next());
                assertFalse(cipher.sealedWithOlderKey(row.getString(1)));
                assertEquals(secret, cipher.decrypt(row.getString(1)));
            }
        }
    }

    private String readHosts(String name) throws Exception {
        return readColumn("hosts", name);
    }

    private String readColumn(String column, String name) throws Exception {
        try (Connection db = TestDatabase.connect();
                PreparedStatement query = db.prepareStatement("select " + column + " from resource where name = ?")) {
            query.setString(1, name);
            try (ResultSet row = query.executeQuery()) {
                row.next();
                return row.getString(1);
            }
        }
    }

    private void writeHosts(String name, String hosts) throws Exception {
        writeColumn("hosts", name, hosts);
    }

    private void writeColumn(String column, String name, String value) throws Exception {
        try (Connection db = TestDatabase.connect();
                PreparedStatement update = db.prepareStatement("update resource set " + column + " = ?, version = version + 1 where name = ?")) {
            update.setString(1, value);
            update.setString(2, name);
            assertEquals(1, update.executeUpdate());
        }
    }

}
