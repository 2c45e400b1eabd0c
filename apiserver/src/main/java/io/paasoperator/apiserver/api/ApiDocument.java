package io.paasoperator.apiserver.api;

import io.paasoperator.contract.ResourceKind;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.Paths;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

/**
 * Finishes the OpenAPI document that the annotations and {@code META-INF/openapi.yaml} make. Each {@code {kind}} route
 * is written out once per kind ({@code /apis/v1alpha1/database/…}, {@code …/middleware/…}): a generated client gets a
 * class per kind with methods named for it, and no path can be read two ways ({@code /hosts/{ip}} against
 * {@code /{kind}/create}). Every route answers 401, 429, 500 and 503 alike, so those are added here, not on each method.
 */
public class ApiDocument implements OASFilter {

    static final String KIND = "{kind}";
    /** Stands for the kind's name in an annotation's operationId: {@code create{Kind}} → {@code createDatabase}. */
    static final String KIND_IN_ID = "{Kind}";
    static final String AGENT_TAG = "agent-callbacks";

    @Override
    public void filterOpenAPI(OpenAPI document) {
        Paths written = OASFactory.createPaths();
        document.getPaths().getPathItems().forEach((path, item) -> {
            if (path.contains(KIND)) {
                for (ResourceKind kind : ResourceKind.values()) {
                    written.addPathItem(path.replace(KIND, kind.wire()), forKind(item, kind));
                }
            } else {
                written.addPathItem(path, item);
            }
        });
        written.getPathItems().values().forEach(item -> item.getOperations().forEach(ApiDocument::addCommonErrors));
        document.setPaths(written);
    }

    private static PathItem forKind(PathItem template, ResourceKind kind) {
        PathItem item = OASFactory.createPathItem();
        template.getOperations().forEach((method, operation) -> item.setOperation(method, forKind(operation, kind)));
        return item;
    }

    /** A copy of {@code template} for one kind; what it shares with the other kinds' copies is never changed. */
    private static Operation forKind(Operation template, ResourceKind kind) {
        String kindName = Character.toUpperCase(kind.wire().charAt(0)) + kind.wire().substring(1);
        boolean agents = template.getTags() != null && template.getTags().contains(AGENT_TAG);
        return OASFactory.createOperation()
                .operationId(template.getOperationId().replace(KIND_IN_ID, kindName))
                .summary(template.getSummary())
                .description(template.getDescription())
                .tags(List.of(agents ? AGENT_TAG : kind.wire()))
                .parameters(template.getParameters().stream().filter(p -> !isKind(p)).toList())
                .requestBody(template.getRequestBody())
                .responses(template.getResponses())
                .security(template.getSecurity());
    }

    private static boolean isKind(Parameter parameter) {
        return parameter.getIn() == Parameter.In.PATH && parameter.getName().equals("kind");
    }

    /**
     * Adds what any route may answer where the operation does not say more — 401, 429, 500, 503, and 403 for a token
     * whose role is short on every route but reads — and lists the responses by status.
     */
    private static void addCommonErrors(PathItem.HttpMethod method, Operation operation) {
        Map<String, APIResponse> responses = new TreeMap<>(operation.getResponses().getAPIResponses());
        responses.putIfAbsent("401", OASFactory.createAPIResponse().ref("Unauthorized"));
        if (method != PathItem.HttpMethod.GET) {
            responses.putIfAbsent("403", OASFactory.createAPIResponse().ref("Forbidden"));
        }
        responses.putIfAbsent("429", OASFactory.createAPIResponse().ref("TooManyRequests"));
        responses.putIfAbsent("500", OASFactory.createAPIResponse().ref("InternalError"));
        responses.putIfAbsent("503", OASFactory.createAPIResponse().ref("Unavailable"));
        APIResponses sorted = OASFactory.createAPIResponses();
        responses.forEach(sorted::addAPIResponse);
        operation.setResponses(sorted);
    }
}
