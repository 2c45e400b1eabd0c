package io.paasoperator.apiserver.resource;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.SshKeys;
import io.paasoperator.apiserver.testing.TestDatabase;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A host's auth with an SSH private key instead of a password, and {@code become: sudo}: what validation refuses (every
 * bad field in one answer), and what is at rest (the key and its passphrase sealed like passwords, write-only, kept by
 * an update that sends them back as ******).
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class PrivateKeyCredentialTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String API = "/apis/v1alpha1/database/";
    private static final String PASSPHRASE = "key-pass-" + ProcessHandle.current().pid();

    @Inject
    SecretCipher cipher;

    @BeforeEach
    void sendTheApiToken() {
        ApiClientToken.sendWithEveryRequest();
    }

    @Test
    void everyBadCredentialFieldIsNamedInOneAnswer() throws Exception {
        String key = SshKeys.openSsh().privateKey();
        String encrypted = SshKeys.pemRsa(PASSPHRASE).privateKey();
        List<Map<String, Object>> hosts = List.of(
                host("127.0.3.1", null, Map.of("username", "ops", "passphrase", "orphan")),
                host("127.0.3.2", null, Map.of("username", "ops", "private_key", "-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key")),
                host("127.0.3.3", "doas", Map.of("username", "agent", "password", "p"), Map.of("username", "ops", "password", "p")),
                host("127.0.3.4", "sudo", Map.of("username", "ops", "password", "p")),
                host("127.0.3.5", null, Map.of("username", "agent", "private_key", key), Map.of("username", "ops", "password", "p")),
                host("127.0.3.6", null, Map.of("username", "ops", "private_key", encrypted)),
                host("127.0.3.7", null, Map.of("username", "ops", "private_key", SshKeys.pemRsa(null).publicKey(),
                        "passphrase", PASSPHRASE)),
                host("127.0.3.8", "sudo", Map.of("username", "agent"), Map.of("username", "ops", "private_key", key)));
        Response refused = given().body(body(Seeds.uniqueName("badkey"), hosts)).post(API + "create");
        assertEquals(400, refused.statusCode(), refused.asString());
        Set<String> fields = new TreeSet<>(refused.jsonPath().getList("errors.field"));
        assertEquals(new TreeSet<>(List.of("host[0].auth[0].password", "host[0].auth[0].passphrase",
                "host[1].auth[0].private_key", "host[2].become", "host[3].become", "host[4].auth[0].private_key",
                "host[4].auth[0].password", "host[5].auth[0].private_key", "host[6].auth[0].private_key")), fields,
                "host[7] is valid: sudo needs no secret of auth[0]");
        assertTrue(refused.asString().contains("encrypted and needs its passphrase"), refused.asString());
        assertTrue(refused.asString().contains("is not an OpenSSH or PEM private key"), "a public key pasted: " + refused.asString());
        assertFalse(refused.asString().contains(encrypted.lines().skip(4).findFirst().orElseThrow()), "the key is not echoed");
        assertFalse(refused.asString().contains(PASSPHRASE), "the passphrase is not echoed");
    }

    @Test
    void keysAndPassphrasesAreSealedAtRestWriteOnlyAndKeptByAnUpdate() throws Exception {
        String name = Seeds.uniqueName("keyauth");
        String key = SshKeys.openSsh().privateKey();
        String encrypted = SshKeys.pemRsa(PASSPHRASE).privateKey();
        List<Map<String, Object>> hosts = List.of(
                host("127.0.3.20", "sudo", Map.of("username", "paas-agent"), Map.of("username", "ops", "private_key", key)),
                host("127.0.3.21", null, Map.of("username", "ops", "private_key", encrypted, "passphrase", PASSPHRASE)));
        Response created = given().body(body(name, hosts)).post(API + "create");
        assertEquals(201, created.statusCode(), created.asString());
        JsonNode view = JSON.readTree(created.asString());
        assertEquals("sudo", view.at("/host/0/become").asText());
        assertEquals("******", view.at("/host/0/auth/1/private_key").asText());
        assertTrue(view.at("/host/0/auth/1/password").isMissingNode(), "no password was given, none is shown");
        assertEquals("******", view.at("/host/1/auth/0/private_key").asText());
        assertEquals("******", view.at("/host/1/auth/0/passphrase").asText());
        assertTrue(view.at("/host/1/become").isMissingNode(), view.toString());

        assertSealed(name, key, encrypted);

        // GET, edit nothing, PUT: the ****** it shows keep what is stored.
        ObjectNode again = (ObjectNode) JSON.readTree(given().get(API + name).asString());
        again.remove("detail");
        ((ObjectNode) again.get("app")).remove("status");
        Response kept = given().body(again.toString()).put(API + name);
        assertEquals(200, kept.statusCode(), kept.asString());
        assertEquals("******", kept.jsonPath().getString("host[1].auth[0].passphrase"));
        assertSealed(name, key, encrypted);

        // ****** where nothing is stored to keep is refused, naming the field.
        ((ObjectNode) again.at("/host/0/auth/1")).put("passphrase", "******");
        Response nothingToKeep = given().body(again.toString()).put(API + name);
        assertEquals(400, nothingToKeep.statusCode(), nothingToKeep.asString());
        assertEquals(List.of("host[0].auth[1].passphrase"), nothingToKeep.jsonPath().getList("errors.field"));
    }

    /** The stored row holds neither key nor passphrase in clear, and each opens to what was given. */
    private void assertSealed(String name, String key, String encrypted) throws Exception {
        JsonNode stored;
        try (Connection db = TestDatabase.connect();
                PreparedStatement query = db.prepareStatement("select r::text, r.hosts from resource r where name = ?")) {
            query.setString(1, name);
            try (ResultSet row = query.executeQuery()) {
                assertTrue(row.next());
                String whole = row.getString(1);
                for (String clear : List.of(keyBody(key), keyBody(encrypted), PASSPHRASE, "PRIVATE KEY")) {
                    assertFalse(whole.contains(clear), "in clear at rest: " + clear);
                }
                stored = JSON.readTree(row.getString(2));
            }
        }
        List<String> opened = new ArrayList<>();
        for (String sealed : List.of(stored.at("/0/auth/1/private_key").asText(), stored.at("/1/auth/0/private_key").asText(),
                stored.at("/1/auth/0/passphrase").asText())) {
            assertTrue(sealed.startsWith("aesgcm:"), sealed);
            opened.add(cipher.decrypt(sealed));
        }
        assertEquals(List.of(key, encrypted, PASSPHRASE), opened);
        assertTrue(stored.at("/0/auth/0/password").isMissingNode(), "sudo's target account has no secret: " + stored.at("/0"));
    }

    /** A line from the middle of a key's text: its secret part. */
    private static String keyBody(String key) {
        return key.lines().skip(4).findFirst().orElseThrow();
    }

    @SafeVarargs
    private static Map<String, Object> host(String ip, String become, Map<String, Object>... auth) {
        Map<String, Object> host = new LinkedHashMap<>();
        host.put("ip", ip);
        if (become != null) {
            host.put("become", become);
        }
        host.put("auth", List.of(auth));
        return host;
    }

    private static String body(String name, List<Map<String, Object>> hosts) throws Exception {
        return JSON.writeValueAsString(Map.of("name", name, "host", hosts,
                "app", Map.of("repo_url", "http://127.0.0.1:8000/repo/", "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh")));
    }
}
