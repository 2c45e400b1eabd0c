package io.paasoperator.apiserver.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.paasoperator.contract.Problem.FieldError;
import io.paasoperator.contract.ProblemException;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The agent of a host, installed by other means (cloud-init, configuration management, an image), as its registration
 * gives it: the port it listens on and the secret it was started with ({@code AGENT_SECRET}). Never bootstrapped.
 *
 * @param secret write-only: stored sealed, never answered, logged or put on a command line
 */
public record HostRegistration(int agentPort, String secret) {

    public static final int MIN_SECRET = 16;
    public static final int MAX_SECRET = 1024;
    private static final Set<String> FIELDS = new TreeSet<>(List.of("agent_port", "secret"));

    /**
     * Reads a registration body, naming every bad field at once, with those found before it ({@code errors}: the URL's);
     * a secret is never echoed in an error.
     */
    public static HostRegistration from(ObjectNode body, List<FieldError> errors) {
        body.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                errors.add(new FieldError(field, "is not a known field; known here: " + String.join(", ", FIELDS)));
            }
        });
        JsonNode port = body.get("agent_port");
        int agentPort = HostSpec.DEFAULT_AGENT_PORT;
        if (port != null) {
            if (!port.canConvertToInt() || !port.isIntegralNumber() || port.intValue() < 1 || port.intValue() > 65_535) {
                errors.add(new FieldError("agent_port", "must be a port number from 1 to 65535"));
            } else {
                agentPort = port.intValue();
            }
        }
        JsonNode secret = body.get("secret");
        if (secret == null || secret.isNull()) {
            errors.add(new FieldError("secret", "is required: the secret the agent was started with (AGENT_SECRET)"));
        } else if (!secret.isTextual() || secret.textValue().length() < MIN_SECRET || secret.textValue().length() > MAX_SECRET
                || secret.textValue().chars().anyMatch(Character::isISOControl)) {
            errors.add(new FieldError("secret", "must be a string of " + MIN_SECRET + " to " + MAX_SECRET
                    + " characters with no control characters"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new HostRegistration(agentPort, secret.textValue());
    }

    @Override
    public String toString() {
        return "HostRegistration[agentPort=" + agentPort + "]"; // never the secret
    }
}
