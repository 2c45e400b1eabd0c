package io.paasoperator.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.Error;
import com.networknt.schema.InputFormat;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.paasoperator.apiserver.testing.AgentIdentity;
import io.paasoperator.apiserver.testing.ApiClientToken;
import io.paasoperator.apiserver.testing.PostgresResource;
import io.paasoperator.apiserver.testing.Seeds;
import io.paasoperator.apiserver.testing.SshKeys;
import io.quarkus.test.common.TestResourceScope;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the OpenAPI document honest (issue 16): real requests to every documented operation, each answer checked
 * against the document — its status must be documented for that operation, its media type and body must match the
 * documented schema (JSON Schema 2020-12, as OpenAPI 3.1 says), its documented headers must be there — and every
 * request body the server takes must pass the documented request schema. At the end, every status the document
 * promises for every operation must have been seen, but for {@link #NOT_PROVOKED}.
 */
@QuarkusTest
@WithTestResource(value = PostgresResource.class, scope = TestResourceScope.GLOBAL)
class ApiContractTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final String API = "/apis/v1alpha1/";
    /** A failure of ours, a database away, an address throttled (AuthThrottleTest provokes that): not provoked here. */
    private static final Set<String> NOT_PROVOKED = Set.of("429", "500", "503");
    /**
     * A log's 200 needs a real agent that ran the operation: OperationLogIT reads logs through real agents and checks
     * the document's text/plain answer.
     */
    private static final Map<String, Set<String>> PROVOKED_ELSEWHERE = Map.of(
            "getDatabaseOperationLog", Set.of("200"), "getMiddlewareOperationLog", Set.of("200"));
    private static final String HOST = "127.0.0.141";
    private static final String OTHER_HOST = "127.0.0.142";

    @TestHTTPResource("/")
    URI base;

    private JsonNode document;
    private final SchemaRegistry schemas = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);
    /** operationId → the statuses it answered with. */
    private final Map<String, Set<String>> seen = new TreeMap<>();
    private final List<String> violations = new ArrayList<>();

    @Test
    void everyOperationAnswersAsItsDocumentSays() throws Exception {
        document = JSON.readTree(send("GET", "/q/openapi?format=json", null, null, Map.of()).body());
        for (String kind : List.of("database", "middleware")) {
            exerciseResources(kind);
            exerciseAgentCallbacks(kind);
        }
        exerciseHosts();
        exerciseHostReports();
        exerciseEveryOperationWithoutToken();
        exerciseEveryChangeWithAViewerToken();
        exerciseEveryBodyMalformedAndTooLarge();

        assertEquals(List.of(), violations, "answers that the document does not describe");
        List<String> unseen = new ArrayList<>();
        forEachOperation((path, method, operation) -> operation.get("responses").fieldNames().forEachRemaining(status -> {
            String id = operation.get("operationId").asText();
            if (!NOT_PROVOKED.contains(status) && !PROVOKED_ELSEWHERE.getOrDefault(id, Set.of()).contains(status)
                    && !seen.getOrDefault(id, Set.of()).contains(status)) {
                unseen.add(id + " " + status);
            }
        }));
        assertEquals(List.of(), unseen, "documented answers this test never saw (provoke them, or the document promises too much)");
    }

    // ---- the scenarios ---------------------------------------------------------------------------------

    private void exerciseResources(String kind) throws Exception {
        String name = Seeds.uniqueName("contract-" + kind);
        String at = API + kind + "/";
        String body = body(name, HOST, "running");
        acceptedByRequestSchema(kind, "create", body);
        expect(201, "POST", at + "create", body);
        expect(409, "POST", at + "create", body);
        expect(400, "POST", at + "create", "{\"name\": \"\", \"host\": [], \"app\": {}}");

        expect(200, "GET", API + kind, null);
        expect(200, "GET", API + kind + "?expect=running&realtime=not-installed&limit=1", null);
        expect(400, "GET", API + kind + "?limit=0", null);
        HttpResponse<String> got = expect(200, "GET", at + name, null);
        expect(404, "GET", at + "missing-" + name, null);
        expect(200, "GET", at + name + "/status", null);
        expect(404, "GET", at + "missing-" + name + "/status", null);

        String etag = got.headers().firstValue("ETag").orElseThrow();
        String update = body(name, HOST, null).replace("/repo/", "/repo-2/");
        acceptedByRequestSchema(kind, "update", update);
        expect(412, "PUT", at + name, update, Map.of("If-Match", "\"0\""));
        expect(200, "PUT", at + name, update, Map.of("If-Match", etag));
        expect(400, "PUT", at + name, body(name, HOST, "running"));
        expect(404, "PUT", at + "missing-" + name, body("missing-" + name, HOST, null));
        // Another resource may not set up the same host's agent differently (another agent port).
        String other = Seeds.uniqueName("contract-other");
        expect(409, "POST", at + "create", body(other, HOST, null).replace("\"ip\": \"" + HOST + "\"",
                "\"ip\": \"" + HOST + "\", \"agent_port\": 3999"));
        String elsewhere = Seeds.uniqueName("contract-elsewhere");
        expect(201, "POST", at + "create", body(elsewhere, "127.0.0.144", null).replace("\"ip\": \"127.0.0.144\"",
                "\"ip\": \"127.0.0.144\", \"agent_port\": 3999"));
        expect(409, "PUT", at + name, body(name, "127.0.0.144", null));
        expect(200, "DELETE", at + elsewhere, null);
        // A key-only login that becomes the agent's account with sudo: as documented, and answered as documented.
        String keyed = Seeds.uniqueName("contract-key");
        String keyedBody = body(keyed, "127.0.0.45", null).replace("[{\"username\": \"paas\", \"password\": \"pw-1\"}]",
                "[{\"username\": \"paas\"}, {\"username\": \"ops\", \"private_key\": "
                        + JSON.writeValueAsString(SshKeys.openSsh().privateKey()) + "}], \"become\": \"sudo\"");
        acceptedByRequestSchema(kind, "create", keyedBody);
        expect(201, "POST", at + "create", keyedBody);
        expect(200, "DELETE", at + keyed, null);

        expect(202, "PUT", at + name + "/stopped", null);
        expect(409, "PUT", at + name + "/restart", null);
        expect(202, "PUT", at + name + "/running", null);
        expect(202, "PUT", at + name + "/restart", null);
        expect(404, "PUT", at + "missing-" + name + "/running", null);
        expect(404, "PUT", at + "missing-" + name + "/restart", null);

        expect(200, "GET", at + name + "/events", null);
        expect(200, "GET", at + name + "/events?limit=1", null);
        expect(400, "GET", at + name + "/events?limit=abc", null);
        expect(404, "GET", at + "missing-" + name + "/events", null);
        expect(200, "GET", at + "status/changed/" + java.time.LocalDate.now().toString(), null);
        expect(400, "GET", at + "status/changed/13x", null);

        expect(400, "DELETE", at + name + "?uninstall=maybe", null);
        // Being uninstalled: changes of state are refused until it is gone.
        String doomed = Seeds.uniqueName("contract-doomed");
        expect(201, "POST", at + "create", body(doomed, HOST, null));
        expect(202, "DELETE", at + doomed + "?uninstall=true", null);
        expect(409, "PUT", at + doomed + "/running", null);
        expect(409, "PUT", at + doomed + "/restart", null);
        expect(409, "PUT", at + doomed, body(doomed, HOST, null));
        expect(200, "DELETE", at + doomed, null);
        expect(200, "DELETE", at + "missing-" + name, null);
        // Kept for the agents' callbacks below; deleted at the end of exerciseAgentCallbacks.
    }

    private void exerciseAgentCallbacks(String kind) throws Exception {
        String name = Seeds.uniqueName("contract-agent-" + kind);
        String at = API + kind + "/" + name;
        expect(201, "POST", API + kind + "/create", body(name, HOST, null));
        Map<String, String> agent = Map.of("Authorization", AgentIdentity.bearer(HOST));
        String report = "{\"code\": \"0\", \"msg\": \"ok\"}";
        acceptedByRequestSchema(kind, "check", report);
        expect(202, "PUT", at + "/check", report, agent);
        expect(400, "PUT", at + "/check", "{\"msg\": \"no code\"}", agent);
        expect(403, "PUT", at + "/check", report, Map.of("Authorization", AgentIdentity.bearer(OTHER_HOST)));
        expect(404, "PUT", API + kind + "/missing-" + name + "/check", report, agent);
        String id = UUID.randomUUID().toString();
        String result = JSON.writeValueAsString(Map.of("id", id, "action", "install", "state", "succeeded",
                "started_at", Instant.now().minusSeconds(1).toString(), "finished_at", Instant.now().toString(), "exit_code", 0));
        acceptedByRequestSchema(kind, "operations", result);
        expect(202, "PUT", at + "/operations/" + id, result, agent);
        expect(400, "PUT", at + "/operations/other-" + id, result, agent);
        expect(403, "PUT", at + "/operations/" + id, result, Map.of("Authorization", AgentIdentity.bearer(OTHER_HOST)));
        expect(404, "PUT", API + kind + "/missing-" + name + "/operations/" + id, result, agent);

        // The operation's log: its host's agent (recorded above, nothing listening) cannot be reached.
        String log = at + "/operations/" + id + "/log";
        expect(502, "GET", log + "?host=" + HOST, null);
        expect(400, "GET", log + "?host=not-an-ip", null);
        expect(404, "GET", log + "?host=127.0.0.249", null);
        expect(404, "GET", API + kind + "/missing-" + name + "/operations/" + id + "/log", null);
        expect(200, "DELETE", at, null);
    }

    /** A host's report: verdicts taken and ignored, every bad field named, another host's secret refused. */
    private void exerciseHostReports() throws Exception {
        String name = Seeds.uniqueName("contract-host-report");
        expect(201, "POST", API + "database/create", body(name, HOST, null));
        Map<String, String> agent = Map.of("Authorization", AgentIdentity.bearer(HOST));
        String at = API + "hosts/" + HOST + "/report";
        String schema = "/paths/" + escape(API + "hosts/{ip}/report") + "/put/requestBody/content/application~1json/schema";
        String report = "{\"reports\": [{\"kind\": \"database\", \"name\": \"" + name + "\", \"code\": \"0\", \"msg\": \"ok\"},"
                + " {\"kind\": \"middleware\", \"name\": \"" + name + "\", \"code\": \"1\"}]}";
        assertEquals(List.of(), validate(schema, report), "a host report refused by the document's schema");
        JsonNode outcome = JSON.readTree(expect(202, "PUT", at, report, agent).body());
        assertEquals(1, outcome.get("taken").asInt(), outcome.toString());
        assertEquals("no such resource", outcome.at("/ignored/0/reason").asText(), outcome.toString());
        String bad = "{\"reports\": [{\"kind\": \"queue\", \"code\": 1.5}]}";
        assertFalse(validate(schema, bad).isEmpty(), "the document's schema takes a report the server refuses");
        JsonNode problem = JSON.readTree(expect(400, "PUT", at, bad, agent).body());
        List<String> fields = new ArrayList<>();
        problem.get("errors").forEach(e -> fields.add(e.get("field").asText()));
        assertEquals(List.of("reports[0].kind", "reports[0].name", "reports[0].code"), fields, problem.toString());
        expect(403, "PUT", API + "hosts/" + OTHER_HOST + "/report", report, agent);
        expect(200, "DELETE", API + "database/" + name, null);
    }

    private void exerciseHosts() throws Exception {
        AgentIdentity.bearer(OTHER_HOST); // an agent's record for OTHER_HOST, listed by no resource
        expect(200, "GET", API + "hosts", null);
        expect(200, "GET", API + "hosts/" + OTHER_HOST, null);
        expect(400, "GET", API + "hosts/not-an-ip", null);
        expect(404, "GET", API + "hosts/127.0.0.249", null);
        expect(200, "DELETE", API + "hosts/" + OTHER_HOST + "/host-key", null);
        expect(400, "DELETE", API + "hosts/not-an-ip/host-key", null);
        expect(404, "DELETE", API + "hosts/127.0.0.249/host-key", null);
        String lister = Seeds.uniqueName("contract-lister");
        expect(201, "POST", API + "middleware/create", body(lister, "127.0.0.143", null));
        expect(409, "DELETE", API + "hosts/127.0.0.143", null);
        expect(200, "DELETE", API + "middleware/" + lister, null);
        expect(200, "DELETE", API + "hosts/" + OTHER_HOST, null);
        expect(400, "DELETE", API + "hosts/not-an-ip", null);
        expect(404, "DELETE", API + "hosts/127.0.0.249", null);
        exerciseRegistration();
    }

    /** An agent installed by other means: registered, registered again (a rotation), refused; listed without auth. */
    private void exerciseRegistration() throws Exception {
        String registered = "127.0.0.145";
        String schema = "/paths/" + escape(API + "hosts/{ip}") + "/put/requestBody/content/application~1json/schema";
        String registration = "{\"agent_port\": 3335, \"secret\": \"" + UUID.randomUUID() + "\"}";
        assertEquals(List.of(), validate(schema, registration), "a registration refused by the document's schema");
        expect(200, "PUT", API + "hosts/" + registered, registration);
        String rotation = "{\"agent_port\": 3336, \"secret\": \"" + UUID.randomUUID() + "\"}";
        expect(200, "PUT", API + "hosts/" + registered, rotation);
        String bad = "{\"agent_port\": 0, \"secret\": \"short\", \"auth\": []}";
        assertFalse(validate(schema, bad).isEmpty(), "the document's schema takes a registration the server refuses");
        expect(400, "PUT", API + "hosts/" + registered, bad);
        expect(409, "PUT", API + "hosts/127.0.0.146", rotation); // the secret of another host's agent
        String name = Seeds.uniqueName("contract-registered");
        String withoutAuth = body(name, registered, null).replace(", \"auth\": [{\"username\": \"paas\", \"password\": \"pw-1\"}]", "")
                .replace("\"ip\": \"" + registered + "\"", "\"ip\": \"" + registered + "\", \"agent_port\": 3336");
        assertFalse(withoutAuth.contains("auth"), withoutAuth);
        acceptedByRequestSchema("middleware", "create", withoutAuth);
        expect(201, "POST", API + "middleware/create", withoutAuth);
        expect(200, "DELETE", API + "middleware/" + name, null);
        expect(200, "DELETE", API + "hosts/" + registered, null);
    }

    /** Every operation, with no token: 401 (the agents' routes too, with no agent secret). */
    private void exerciseEveryOperationWithoutToken() throws Exception {
        List<String[]> calls = new ArrayList<>();
        forEachOperation((path, method, operation) -> calls.add(new String[] {method.toUpperCase(), concrete(path)}));
        for (String[] call : calls) {
            boolean hasBody = call[0].equals("PUT") || call[0].equals("POST");
            check(send(call[0], call[1], hasBody ? "{}" : null, null, Map.of()), call[0], call[1]);
        }
    }

    /** Every operation but reads and the agents', with a viewer's token: 403 (read-only tokens change nothing). */
    private void exerciseEveryChangeWithAViewerToken() throws Exception {
        List<String[]> calls = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            if (!method.equals("get") && !operation.path("tags").path(0).asText().equals(ApiDocument.AGENT_TAG)) {
                calls.add(new String[] {method.toUpperCase(), concrete(path)});
            }
        });
        for (String[] call : calls) {
            boolean hasBody = call[0].equals("PUT") || call[0].equals("POST");
            HttpResponse<String> response = send(call[0], call[1], hasBody ? "{}" : null, null,
                    Map.of("Authorization", "Bearer test-viewer-token-0001"));
            assertEquals(403, response.statusCode(), call[0] + " " + call[1] + ": " + response.body());
            check(response, call[0], call[1]);
        }
    }

    /** Every operation that takes a body: 400 for a body that is not JSON, 413 for one over the limit. */
    private void exerciseEveryBodyMalformedAndTooLarge() throws Exception {
        List<String[]> calls = new ArrayList<>();
        forEachOperation((path, method, operation) -> {
            if (operation.has("requestBody")) {
                calls.add(new String[] {method.toUpperCase(), concrete(path), operation.path("tags").path(0).asText()});
            }
        });
        String name = Seeds.uniqueName("contract-bodies");
        expect(201, "POST", API + "database/create", body(name, HOST, null));
        expect(201, "POST", API + "middleware/create", body(name, HOST, null));
        for (String[] call : calls) {
            String path = call[1].replace("/" + SAMPLE_NAME, "/" + name);
            Map<String, String> auth = call[2].equals(ApiDocument.AGENT_TAG) ? Map.of("Authorization", AgentIdentity.bearer(HOST))
                    : Map.of("Authorization", "Bearer " + ApiClientToken.TOKEN);
            check(send(call[0], path, "{not json", null, auth), call[0], path);
            check(send(call[0], path, "{\"x\": \"" + "y".repeat(300_000) + "\"}", null, auth), call[0], path);
        }
    }

    // ---- requests and the document -------------------------------------------------------------------

    private static final String SAMPLE_NAME = "sample-name";

    /** A request path for a documented path: each parameter given a plausible value. */
    private static String concrete(String path) {
        return path.replace("{name}", SAMPLE_NAME).replace("{target}", "running").replace("{ip}", "127.0.0.250")
                .replace("{id}", path.contains("/operations/") ? "0" : "1203");
    }

    private static String body(String name, String ip, String expect) {
        String status = expect == null ? "" : ", \"status\": {\"expect\": \"" + expect + "\"}";
        return """
                {"name": "%s",
                 "host": [{"ip": "%s", "auth": [{"username": "paas", "password": "pw-1"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh"%s}}
                """.formatted(name, ip, status);
    }

    private HttpResponse<String> expect(int status, String method, String path, String body) throws Exception {
        return expect(status, method, path, body, Map.of());
    }

    private HttpResponse<String> expect(int status, String method, String path, String body, Map<String, String> headers)
            throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("Authorization", "Bearer " + ApiClientToken.TOKEN);
        all.putAll(headers);
        HttpResponse<String> response = send(method, path, body, null, all);
        assertEquals(status, response.statusCode(), method + " " + path + ": " + response.body());
        check(response, method, path);
        return response;
    }

    private HttpResponse<String> send(String method, String path, String body, String contentType, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", contentType == null ? "application/json" : contentType);
        }
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Checks one answer against the operation the document says serves {@code method path}. */
    private void check(HttpResponse<String> response, String method, String path) {
        String where = method + " " + path + " → " + response.statusCode();
        String template = documentedPath(path.replaceFirst("\\?.*", ""));
        if (template == null) {
            violations.add(where + ": no documented path");
            return;
        }
        JsonNode operation = document.at("/paths/" + escape(template) + "/" + method.toLowerCase());
        if (operation.isMissingNode()) {
            violations.add(where + ": " + method + " is not documented for " + template);
            return;
        }
        String status = String.valueOf(response.statusCode());
        seen.computeIfAbsent(operation.get("operationId").asText(), k -> new TreeSet<>()).add(status);
        JsonNode documented = resolve(operation.path("responses").path(status));
        if (documented.isMissingNode()) {
            violations.add(where + ": status not documented for " + operation.get("operationId").asText()
                    + " (body " + abbreviate(response.body()) + ")");
            return;
        }
        documented.path("headers").fieldNames().forEachRemaining(header -> {
            if (response.headers().firstValue(header).isEmpty()) {
                violations.add(where + ": documented header " + header + " is missing");
            }
        });
        JsonNode content = documented.path("content");
        if (content.isMissingNode() || content.isEmpty()) {
            if (!response.body().isEmpty()) {
                violations.add(where + ": a body where the document says none: " + abbreviate(response.body()));
            }
            return;
        }
        String mediaType = response.headers().firstValue("Content-Type").orElse("").replaceFirst(";.*", "").trim();
        if (!content.has(mediaType)) {
            violations.add(where + ": media type '" + mediaType + "', documented " + content.properties().stream()
                    .map(Map.Entry::getKey).toList());
            return;
        }
        String pointer = "/paths/" + escape(template) + "/" + method.toLowerCase() + "/responses/" + status;
        if (operation.path("responses").path(status).has("$ref")) {
            pointer = operation.path("responses").path(status).get("$ref").asText().substring(1);
        }
        List<Error> errors = validate(pointer + "/content/" + escape(mediaType) + "/schema", response.body());
        if (!errors.isEmpty()) {
            violations.add(where + ": body " + abbreviate(response.body()) + " breaks the schema: " + errors);
        }
    }

    /** A body the server took must be one the document's request schema takes too. */
    private void acceptedByRequestSchema(String kind, String route, String body) {
        String template = switch (route) {
            case "create" -> API + kind + "/create";
            case "update" -> API + kind + "/{name}";
            case "check" -> API + kind + "/{name}/check";
            default -> API + kind + "/{name}/operations/{id}";
        };
        String method = route.equals("create") ? "post" : "put";
        List<Error> errors = validate("/paths/" + escape(template) + "/" + method + "/requestBody/content/application~1json/schema", body);
        assertEquals(List.of(), errors, route + " body refused by the document's schema");
    }

    /** Validates {@code json} against the schema at {@code pointer}, references resolved within the document. */
    private List<Error> validate(String pointer, String json) {
        assertFalse(document.at(pointer).isMissingNode(), "no schema at " + pointer);
        ObjectNode root = document.deepCopy();
        root.put("$ref", "#" + pointer);
        return schemas.getSchema(root.toString(), InputFormat.JSON).validate(json, InputFormat.JSON);
    }

    /** The documented path that serves {@code path}: a literal segment wins over a template one, as servers route. */
    private String documentedPath(String path) {
        String best = null;
        int bestTemplates = Integer.MAX_VALUE;
        for (Iterator<String> paths = document.get("paths").fieldNames(); paths.hasNext(); ) {
            String template = paths.next();
            String regex = Pattern.quote(template).replaceAll("\\{[^}]+}", "\\\\E[^/]+\\\\Q");
            int templates = template.split("\\{", -1).length - 1;
            if (path.matches(regex) && templates < bestTemplates) {
                best = template;
                bestTemplates = templates;
            }
        }
        return best;
    }

    private JsonNode resolve(JsonNode node) {
        return node.has("$ref") ? document.at(node.get("$ref").asText().substring(1)) : node;
    }

    private interface OperationVisitor {
        void visit(String path, String method, JsonNode operation);
    }

    private void forEachOperation(OperationVisitor visitor) {
        document.get("paths").properties().forEach(path -> path.getValue().properties().forEach(method -> {
            if (Set.of("get", "put", "post", "delete", "patch").contains(method.getKey())) {
                assertNotNull(method.getValue().get("operationId"), method.getKey() + " " + path.getKey() + " has no operationId");
                visitor.visit(path.getKey(), method.getKey(), method.getValue());
            }
        }));
    }

    private static String escape(String pointerPart) {
        return pointerPart.replace("~", "~0").replace("/", "~1");
    }

    private static String abbreviate(String body) {
        return body.length() > 300 ? body.substring(0, 300) + "…" : body;
    }
}
