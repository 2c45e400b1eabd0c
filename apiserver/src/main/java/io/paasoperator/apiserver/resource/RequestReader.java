package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.paasoperator.apiserver.host.HostRegistration;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.HostReport;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.WireValue;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.SeedJson;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Reads request bodies the way the seed writes them: trailing commas are fine and {@code "// …"} keys are comments,
 * dropped at every level. Everything else is strict: unknown fields and wrong types are refused, naming the field.
 */
@Singleton
public class RequestReader {

    static final int MAX_CHECK_MESSAGE = 4096;

    /** The top level of a create body, once {@code app.status} and {@code type} are taken out. */
    record CreateBody(String name, List<HostSpec> host, AppSpec app, RolloutBody rollout) {
    }

    /** How a new generation is rolled out: at most {@code max_in_flight} hosts out of service at once. */
    record RolloutBody(@JsonProperty("max_in_flight") Integer maxInFlight) {
    }

    record StatusBody(String expect, String realtime) {
    }

    /**
     * A create body as typed values, not yet validated. {@code status} is null when absent. {@code readErrors} names
     * each field the body has and the API does not, and each value of the wrong type (read as absent): reported with
     * every other error the validator finds.
     */
    public record RawCreate(CreateBody body, StatusBody status, List<Problem.FieldError> readErrors) {
    }

    private final JsonMapper mapper;
    private final JsonMapper lenient = SeedJson.mapperBuilder().findAndAddModules()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

    public RequestReader() {
        mapper = SeedJson.mapperBuilder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .build();
        // A number where a string belongs is a mistake worth naming, not something to convert silently.
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }

    public RawCreate readCreate(String body, ResourceKind kind) {
        ObjectNode root = readObject(body);
        JsonNode type = root.remove("type");
        if (type != null && !(type.isTextual() && type.asText().equals(kind.wire()))) {
            throw ProblemException.invalidField("type", "is set by the URL; this one creates a '" + kind.wire() + "'");
        }
        JsonNode status = null;
        if (root.get("app") instanceof ObjectNode app) {
            status = app.remove("status");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        CreateBody createBody = convert(root, CreateBody.class, "", errors);
        StatusBody statusBody = status == null || status.isNull() ? null : convert(status, StatusBody.class, "app.status", errors);
        return new RawCreate(createBody, statusBody, List.copyOf(errors));
    }

    /** A host's registration: every bad field named at once, with {@code errors} found before ({@link HostRegistration#from}). */
    public HostRegistration readRegistration(String body, List<Problem.FieldError> errors) {
        return HostRegistration.from(readObject(body), errors);
    }

    /** A health report. Unknown fields are ignored (agents may send more), and a numeric code is read as text. */
    public CheckReport readCheckReport(String body) {
        List<Problem.FieldError> errors = new ArrayList<>();
        CheckReport report = checkReport(readObject(body), "", errors);
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return report;
    }

    /** One agent's report for its host: every verdict read, every bad field named at once ({@code reports[2].name}). */
    public HostReport readHostReport(String body) {
        JsonNode reports = readObject(body).get("reports");
        if (reports == null || !reports.isArray()) {
            throw ProblemException.invalidField("reports", "is required: an array of {kind, name, code, msg}");
        }
        if (reports.size() > HostReport.MAX_VERDICTS) {
            throw ProblemException.invalidField("reports", "holds " + reports.size() + " verdicts; at most "
                    + HostReport.MAX_VERDICTS + " per report (send several)");
        }
        List<Problem.FieldError> errors = new ArrayList<>();
        List<HostReport.Verdict> verdicts = new ArrayList<>();
        for (int i = 0; i < reports.size(); i++) {
            String at = "reports[" + i + "].";
            JsonNode item = reports.get(i);
            if (!item.isObject()) {
                errors.add(new Problem.FieldError("reports[" + i + "]", "must be an object {kind, name, code, msg}"));
                continue;
            }
            ResourceKind kind = WireValue.parse(ResourceKind.class, item.path("kind").asText(null)).orElse(null);
            if (kind == null) {
                errors.add(new Problem.FieldError(at + "kind", "must be one of " + AppSpecRules.wireWords(ResourceKind.class)));
            }
            String name = item.path("name").isTextual() ? item.get("name").asText() : null;
            if (name == null || !NamingRules.isResourceName(name)) {
                errors.add(new Problem.FieldError(at + "name", "must be a resource's name"));
            }
            CheckReport check = checkReport(item, at, errors);
            verdicts.add(new HostReport.Verdict(kind, name, check == null ? null : check.code(), check == null ? null : check.msg()));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new HostReport(verdicts);
    }

    /** The seed's {@code {"code":"0","msg":"…"}} in {@code node}; null with an error named {@code prefix + "code"}. */
    private static CheckReport checkReport(JsonNode node, String prefix, List<Problem.FieldError> errors) {
        JsonNode code = node.get("code");
        if (code == null || code.isNull()) {
            errors.add(new Problem.FieldError(prefix + "code", "is required: \"0\" for healthy, anything else for not"));
            return null;
        }
        if (!(code.isTextual() || code.isIntegralNumber())) {
            errors.add(new Problem.FieldError(prefix + "code", "must be a string such as \"0\""));
            return null;
        }
        JsonNode msg = node.get("msg");
        String message = msg == null || msg.isNull() ? "" : msg.isTextual() ? msg.asText() : msg.toString();
        if (message.length() > MAX_CHECK_MESSAGE) {
            message = message.substring(0, MAX_CHECK_MESSAGE);
        }
        return new CheckReport(code.asText(), message);
    }

    /** An action's result pushed by an agent. Unknown fields are ignored: the agent may be newer. */
    public Operation readOperation(String body) {
        ObjectNode root = readObject(body);
        try {
            Operation operation = lenient.treeToValue(root, Operation.class);
            if (operation.id() == null || operation.action() == null || operation.state() == null
                    || operation.startedAt() == null) {
                throw ProblemException.badRequest("an operation needs id, action, state and started_at");
            }
            return operation;
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw ProblemException.badRequest("not an operation: " + firstLine(e.getMessage()));
        }
    }

    private ObjectNode readObject(String body) {
        if (body == null || body.isBlank()) {
            throw ProblemException.badRequest("a JSON object is required as the request body");
        }
        JsonNode root;
        try {
            root = mapper.readTree(body);
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("malformed JSON" + where(e.getLocation()) + ": " + firstLine(e.getOriginalMessage()));
        }
        if (!(root instanceof ObjectNode object)) {
            throw ProblemException.badRequest("the request body must be a JSON object");
        }
        SeedJson.dropComments(object);
        return object;
    }

    /**
     * Reads {@code node} as {@code type}, naming in {@code errors} each unknown field (skipped) and each value of the
     * wrong type (taken out of {@code node} and read again without it, so that one bad value hides no other error).
     */
    private <T> T convert(JsonNode node, Class<T> type, String prefix, List<Problem.FieldError> errors) {
        while (true) {
            List<Problem.FieldError> unknown = new ArrayList<>(); // found again by each attempt
            try {
                T value = convertOnce(node, type, prefix, unknown);
                errors.addAll(unknown);
                return value;
            } catch (WrongType wrong) {
                errors.add(wrong.error);
            }
        }
    }

    /** A value of the wrong type, already taken out of the tree being read. */
    private static final class WrongType extends Exception {
        final Problem.FieldError error;

        WrongType(Problem.FieldError error) {
            super(null, null, false, false);
            this.error = error;
        }
    }

    private <T> T convertOnce(JsonNode node, Class<T> type, String prefix, List<Problem.FieldError> unknown) throws WrongType {
        DeserializationProblemHandler collect = new DeserializationProblemHandler() {
            @Override
            public boolean handleUnknownProperty(DeserializationContext context, JsonParser parser,
                    JsonDeserializer<?> deserializer, Object beanOrClass, String property) throws IOException {
                unknown.add(new Problem.FieldError(unknownField(prefix, parser, property),
                        "is not a known field; known here: " + known(deserializer.getKnownPropertyNames())));
                parser.skipChildren();
                return true;
            }
        };
        try {
            return mapper.readerFor(type).withHandler(collect).readValue(node);
        } catch (MismatchedInputException e) {
            throw wrongType(node, prefix, e, "must be " + describe(e.getTargetType()));
        } catch (JsonMappingException e) {
            throw wrongType(node, prefix, e, "has a value of the wrong type or out of range");
        } catch (JsonParseException e) {
            throw ProblemException.badRequest("unreadable value: " + firstLine(e.getOriginalMessage()));
        } catch (JsonProcessingException e) {
            throw ProblemException.badRequest("unreadable request: " + firstLine(e.getOriginalMessage()));
        } catch (IOException e) {
            throw ProblemException.badRequest("unreadable request: " + firstLine(e.getMessage()));
        }
    }

    /**
     * The failure as a {@link WrongType}, its value taken out of {@code root} (a field removed, an array element made
     * null, keeping the indexes others are named by); a value that cannot be found there is the whole request's error.
     */
    private static WrongType wrongType(JsonNode root, String prefix, JsonMappingException e, String message) {
        Problem.FieldError error = new Problem.FieldError(path(prefix, e), message);
        List<JsonMappingException.Reference> refs = e.getPath();
        JsonNode parent = root;
        for (int i = 0; parent != null && i < refs.size() - 1; i++) {
            parent = refs.get(i).getFieldName() != null ? parent.get(refs.get(i).getFieldName()) : parent.get(refs.get(i).getIndex());
        }
        JsonMappingException.Reference last = refs.isEmpty() ? null : refs.get(refs.size() - 1);
        if (last != null && last.getFieldName() != null && parent instanceof ObjectNode object && object.has(last.getFieldName())) {
            object.remove(last.getFieldName());
            return new WrongType(error);
        }
        if (last != null && last.getIndex() >= 0 && parent instanceof ArrayNode array && last.getIndex() < array.size()
                && !array.get(last.getIndex()).isNull()) {
            array.set(last.getIndex(), NullNode.getInstance());
            return new WrongType(error);
        }
        throw ProblemException.invalidField(error.field(), error.message());
    }

    /**
     * A JSON pointer ({@code /host/0/auth}) as the API names fields ({@code host[0].auth}), under {@code prefix}. An empty
     * segment inside the pointer is passed over: Jackson puts one there for a record's fields ({@code /host/0//auth}),
     * read through a buffer for its constructor.
     */
    private static String path(String prefix, JsonPointer pointer) {
        StringBuilder path = new StringBuilder(prefix);
        for (JsonPointer at = pointer; at != null && !at.matches(); at = at.tail()) {
            if (at.mayMatchElement()) {
                path.append('[').append(at.getMatchingIndex()).append(']');
            } else if (at.getMatchingProperty().isEmpty() && !at.tail().matches()) {
                continue;
            } else {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(at.getMatchingProperty());
            }
        }
        return path.isEmpty() ? "(body)" : path.toString();
    }

    /**
     * Where unknown field {@code property} is: in the object the parser is in, or, when its value is an array or an
     * object, in that value's parent (the parser has entered the value, and a value read through a buffer, for a
     * record's constructor, is left with its index past its last element).
     */
    private static String unknownField(String prefix, JsonParser parser, String property) {
        JsonToken token = parser.currentToken();
        JsonStreamContext object = token != null && (token.isStructStart() || token.isStructEnd())
                ? parser.getParsingContext().getParent() : parser.getParsingContext();
        return path(prefix, object.getParent().pathAsPointer().appendProperty(property));
    }

    private static String path(String prefix, JsonMappingException e) {
        StringBuilder path = new StringBuilder(prefix);
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "(body)" : path.toString();
    }

    private static String describe(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == String.class) {
            return "a string";
        }
        if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
            return "a whole number";
        }
        if (Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "an array";
        }
        return "an object";
    }

    private static String known(Collection<Object> ids) {
        return ids == null ? "" : ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", "));
    }

    private static String where(JsonLocation location) {
        return location == null || location.getLineNr() < 0 ? ""
                : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static final java.util.regex.Pattern JACKSON_PLACE =
            java.util.regex.Pattern.compile("\\[Source: [^\\]]*?; line: (\\d+), column: (\\d+)\\]");

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable input";
        }
        // Jackson names a second place as "[Source: REDACTED (`StreamReadFeature…` disabled); line: 1, column: 23]":
        // said in the words of the first.
        String line = JACKSON_PLACE.matcher(message.lines().findFirst().orElse("")).replaceAll("line $1, column $2");
        return line.length() > 200 ? line.substring(0, 200) + "…" : line;
    }
}
