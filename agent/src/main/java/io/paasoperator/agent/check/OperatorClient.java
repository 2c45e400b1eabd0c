package io.paasoperator.agent.check;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.agent.AgentConfig;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.RetryAfter;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * What the agent tells the apiserver: health reports (one per host, {@code PUT …/hosts/{ip}/report}, or the seed's per
 * application, {@code PUT …/{type}/{name}/check}) and the results of actions ({@code PUT …/{type}/{name}/operations/{id}}),
 * so that the apiserver learns an outcome without asking.
 */
@Singleton
public class OperatorClient {

    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** {@link #send}'s status when the apiserver could not be reached. */
    public static final int UNREACHABLE = -1;

    /**
     * How the apiserver answered one delivery: its status ({@link #UNREACHABLE} for none), and the wait it asked for
     * before the same document is sent again (its {@code Retry-After}; null when it named none).
     */
    public record Answer(int status, Duration retryAfter) {

        public boolean taken() {
            return status >= 200 && status < 300;
        }

        @Override
        public String toString() {
            return status == UNREACHABLE ? "unreachable" : "status " + status
                    + (retryAfter == null ? "" : ", retry after " + retryAfter.toSeconds() + " s");
        }
    }

    /** Made at the first report, not at start-up: a client loads the JDK's TLS stack and trust store, and starts a thread. */
    private HttpClient http;
    private final ObjectMapper json;
    private final Optional<String> fallbackOperator;
    private final Optional<String> secret;

    public OperatorClient(ObjectMapper json, AgentConfig config,
            @ConfigProperty(name = "operator.url") Optional<String> fallbackOperator) {
        this.json = json;
        this.fallbackOperator = fallbackOperator;
        this.secret = config.secret();
    }

    /** Where the seed's per-application reports for this application go: the request's operator address, else OPERATOR_URL. */
    public Optional<URI> checkTarget(AgentRequest request) {
        return resourceBase(request).map(b -> URI.create(b + "/check"));
    }

    /** Where this host's reports go, when the request names the host (HOST_IP); the apiserver as for {@link #checkTarget}. */
    public Optional<URI> hostReportTarget(AgentRequest request) {
        if (request.hostIp() == null || request.hostIp().isBlank()) {
            return Optional.empty();
        }
        return operatorBase(request).map(b -> URI.create(b + "/apis/v1alpha1/hosts/" + request.hostIp() + "/report"));
    }

    public Optional<URI> resultTarget(AgentRequest request, Operation operation) {
        return resourceBase(request).map(b -> URI.create(b + "/operations/" + operation.id()));
    }

    private Optional<String> resourceBase(AgentRequest request) {
        return operatorBase(request).map(b -> b + "/apis/v1alpha1/" + request.type().wire() + "/" + request.name());
    }

    private Optional<String> operatorBase(AgentRequest request) {
        String base;
        if (request.operatorIp() != null && !request.operatorIp().isBlank()) {
            String host = request.operatorIp().contains(":") ? "[" + request.operatorIp() + "]" : request.operatorIp();
            String port = request.operatorPort() == null || request.operatorPort().isBlank() ? "3334" : request.operatorPort();
            base = "http://" + host + ":" + port;
        } else if (fallbackOperator.isPresent()) {
            base = fallbackOperator.get().replaceAll("/+$", "");
        } else {
            return Optional.empty();
        }
        return Optional.of(base);
    }

    /** Delivers one document; the answer says how it went (never an exception when the apiserver could not take it). */
    public Answer send(URI target, Object document) throws InterruptedException {
        try {
            HttpRequest.Builder request = HttpRequest.newBuilder(target).timeout(TIMEOUT)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(json.writeValueAsString(document)));
            secret.ifPresent(s -> request.header("Authorization", "Bearer " + s));
            HttpResponse<Void> answer = http().send(request.build(), HttpResponse.BodyHandlers.discarding());
            Duration retryAfter = answer.statusCode() == 429 || answer.statusCode() == 503
                    ? RetryAfter.parse(answer.headers().firstValue("Retry-After").orElse(null), Instant.now()).orElse(null)
                    : null;
            return new Answer(answer.statusCode(), retryAfter);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        } catch (IOException unreachable) {
            return new Answer(UNREACHABLE, null);
        }
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(TIMEOUT).version(HttpClient.Version.HTTP_1_1).build();
        }
        return http;
    }
}
