package io.paasoperator.agent.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.agent.action.ActionService;
import io.paasoperator.agent.action.OperationLogs;
import io.paasoperator.agent.AgentConfig;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AgentVersion;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.Problem.FieldError;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.SeedJson;
import io.paasoperator.contract.WireValue;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import io.vertx.mutiny.core.buffer.Buffer;
import org.jboss.resteasy.reactive.RestMulti;
import org.jboss.resteasy.reactive.RestPath;
import org.jboss.resteasy.reactive.RestResponse;

/**
 * The agent's API (SPEC.md §5). {@code POST /{action}} with the seed's body: install, start, stop, restart and
 * uninstall answer 202 with an operation to poll at {@code /operations/{id}}; check runs at once and answers with the
 * application's status. Handlers run on worker threads, since they touch the disk; but for an operation's log, which is
 * read with Vert.x's asynchronous file API on the event loop.
 */
@Path("/")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
public class AgentApi {

    static final int MAX_METADATA_ENTRIES = 256;

    static final String TEXT_UTF8 = "text/plain;charset=utf-8";

    private final ActionService actions;
    private final OperationLogs logs;
    private final AgentVersion version;
    private final JsonMapper json = SeedJson.mapperBuilder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES) // a newer apiserver may send more
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .build();

    public AgentApi(ActionService actions, OperationLogs logs, AgentConfig config,
            @ConfigProperty(name = "quarkus.application.version") String version) {
        this.actions = actions;
        this.logs = logs;
        this.version = new AgentVersion(version, config.build().orElse(null));
    }

    @POST
    @Path("{action}")
    public RestResponse<Object> act(@RestPath String action, String body) throws InterruptedException {
        Action verb = WireValue.parse(Action.class, action).orElseThrow(() -> ProblemException.notFound(
                "no such action '" + action + "': the actions are " + AppSpecRules.wireWords(Action.class)));
        AgentRequest request = read(body);
        if (verb == Action.CHECK) {
            return RestResponse.ok(actions.probe(request));
        }
        return RestResponse.accepted(actions.submit(verb, request));
    }

    @GET
    @Path("operations/{id}")
    public Operation operation(@RestPath String id) {
        return actions.operation(id).orElseThrow(() -> ProblemException.notFound("no operation " + id + " on this agent"));
    }

    /**
     * The operation's whole log, its script's stdout and stderr, as plain text: streamed from the file, never read
     * whole into memory. Over AGENT_LOG_MAX_BYTES, its last part behind a line that says so.
     */
    @GET
    @Path("operations/{id}/log")
    @Produces(TEXT_UTF8)
    public RestMulti<Buffer> log(@RestPath String id) {
        return RestMulti.fromUniResponse(logs.read(id), content -> content);
    }

    @GET
    @Path("apps/{type}/{name}")
    public AppStatus status(@RestPath String type, @RestPath String name) {
        return actions.status(type, name).orElseThrow(() -> ProblemException.notFound(type + "/" + name + " is not managed here"));
    }

    @DELETE
    @Path("apps/{type}/{name}")
    public Map<String, Object> forget(@RestPath String type, @RestPath String name) {
        boolean known = actions.forget(type, name);
        return Map.of("name", name, "forgotten", known);
    }

    @GET
    @Path("version")
    public AgentVersion version() {
        return version;
    }

    private AgentRequest read(String body) {
        if (body == null || body.isBlank()) {
            throw ProblemException.badRequest("a JSON object is required as the request body");
        }
        AgentRequest request;
        try {
            JsonNode tree = json.readTree(body);
            SeedJson.dropComments(tree);
            if (tree == null || !tree.isObject()) {
                throw ProblemException.badRequest("the request body must be a JSON object");
            }
            // The seed sends operator_port as a string; a number means the same.
            if (tree.path("operator_port").isIntegralNumber()) {
                ((ObjectNode) tree).put("operator_port", tree.get("operator_port").asText());
            }
            request = json.treeToValue(tree, AgentRequest.class);
        } catch (MismatchedInputException e) {
            String field = e.getPath().isEmpty() ? "(body)" : e.getPath().get(e.getPath().size() - 1).getFieldName();
            throw ProblemException.invalidField(field == null ? "(body)" : field, "has the wrong type");
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("malformed JSON: " + e.getOriginalMessage());
        }
        List<FieldError> errors = new ArrayList<>();
        if (!NamingRules.isResourceName(request.name())) {
            errors.add(new FieldError("name", "is required: a resource name"));
        }
        if (request.type() == null) {
            errors.add(new FieldError("type", "is required: " + AppSpecRules.wireWords(ResourceKind.class)));
        }
        if (request.operationId() != null && !NamingRules.isOperationId(request.operationId())) {
            errors.add(new FieldError("operation_id", "must be " + NamingRules.OPERATION_ID_RULE));
        }
        // Metadata here also carries REPO_URL and PACKAGE (the seed's agent body): they are the agent's to set anyway.
        Map<String, String> metadata = request.metadata() == null ? Map.of() : new HashMap<>(request.metadata());
        NamingRules.AGENT_ENVIRONMENT.forEach(metadata::remove);
        AppSpecRules.check(request.app().withMetadata(metadata), "", MAX_METADATA_ENTRIES, errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors.stream().map(e -> new FieldError(e.field().replaceFirst("^\\.", ""), e.message())).toList());
        }
        return request;
    }
}
