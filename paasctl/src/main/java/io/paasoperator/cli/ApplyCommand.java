package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.contract.ResourceKind;
import java.time.Duration;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Create or update: POST …/create when the name is new, else PUT with If-Match (the ETag of the GET just made), so that
 * a change made meanwhile by someone else is never overwritten (exit 5). The apiserver writes nothing for a body that
 * changes nothing: its ETag then stays, and that is reported as "unchanged".
 */
@Command(name = "apply", description = {"Create a resource, or update it to the file's spec.",
        "The file: the seed's JSON body (as for POST /{kind}/create), YAML, or the JSON 'get -o json' prints. On an update,"
                + " app.status is left out (states change with 'set') and detail is ignored; passwords reading ****** keep"
                + " the stored ones."})
class ApplyCommand extends ApiCommand {

    @Option(names = {"-f", "--file"}, required = true, paramLabel = "FILE", description = "The resource, JSON or YAML; - for stdin")
    String file;

    @Option(names = "--kind", paramLabel = "KIND", description = "database or middleware, when the file has no \"type\"")
    String kind;

    @Mixin
    WaitOptions waiting;

    @Override
    int run() {
        Duration timeout = Waiter.timeout(waiting.timeout);
        ObjectNode resource = ResourceFile.read(file);
        ResourceKind resourceKind = kindOf(resource);
        String name = resource.path("name").asText();
        // What the apiserver reports is not part of a spec: a file saved from 'get -o json' applies as it is.
        resource.remove("detail");
        String path = Api.resourcePath(resourceKind, name);
        Api.Answer current = api().get(path);
        String result;
        JsonNode stored;
        if (current.status() == 404) {
            stored = api().ok(api().call("POST", Api.BASE + "/" + resourceKind.wire() + "/create", resource.toString(), Map.of()), 201)
                    .json();
            result = "created";
        } else {
            api().ok(current, 200);
            String etag = current.header("ETag");
            noteStatus(resource, current.json(), resourceKind, name);
            JsonNode app = resource.path("app");
            if (app.isObject()) {
                ((ObjectNode) app).remove("status");
            }
            Api.Answer updated = api().ok(api().call("PUT", path, resource.toString(),
                    etag == null ? Map.of() : Map.of("If-Match", etag)), 200);
            stored = updated.json();
            result = etag != null && etag.equals(updated.header("ETag")) ? "unchanged" : "updated";
        }
        if (json()) {
            ObjectNode answer = Api.JSON.createObjectNode();
            answer.put("result", result);
            answer.set("resource", stored);
            out.json(answer);
        } else {
            out.line(resourceKind.wire() + "/" + Text.clean(name) + " " + result);
        }
        if (waiting.wait) {
            // Converged: realtime is expect, and no roll-out is left (every host runs the spec just written).
            long generation = stored.path("detail").path("generation").asLong();
            new Waiter(api(), resourceKind, name, timeout).until(Resources.expect(stored) + " at generation " + generation,
                    r -> Resources.realtime(r).equals(Resources.expect(r)) && r.path("detail").path("rollout").isMissingNode()
                            || r.path("detail").path("rollout").isNull() && Resources.realtime(r).equals(Resources.expect(r)),
                    current.status() == 404 ? Api.JSON.createObjectNode() : current.json());
        }
        return ExitCode.OK;
    }

    private ResourceKind kindOf(ObjectNode resource) {
        JsonNode type = resource.path("type");
        if (kind != null) {
            ResourceKind given = kind(kind);
            if (type.isTextual() && !type.asText().equals(given.wire())) {
                throw new CliException(ExitCode.USAGE, file + " has \"type\": \"" + Text.clean(type.asText()) + "\", and --kind is "
                        + given.wire());
            }
            return given;
        }
        if (!type.isTextual()) {
            throw new CliException(ExitCode.USAGE, file + " has no \"type\": give --kind database or --kind middleware");
        }
        return kind(type.asText());
    }

    /** An update leaves states alone: a file expecting another state than the resource's says so, on stderr. */
    private void noteStatus(ObjectNode resource, JsonNode current, ResourceKind resourceKind, String name) {
        String wanted = resource.path("app").path("status").path("expect").asText("");
        String expected = Resources.expect(current);
        if (!wanted.isEmpty() && !wanted.equals(expected)) {
            System.err.println("paasctl: note: " + file + " expects '" + Text.clean(wanted) + "' and " + resourceKind.wire() + "/"
                    + Text.clean(name) + " expects '" + expected + "'; apply changes the spec only: paasctl set "
                    + resourceKind.wire() + " " + Text.clean(name) + " " + Text.clean(wanted));
        }
    }
}
