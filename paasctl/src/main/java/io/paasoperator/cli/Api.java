package io.paasoperator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.contract.ResourceKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The apiserver's REST API over java.net.http. Error answers (application/problem+json) become a {@link CliException}
 * with the problem's words and the {@link ExitCode} of its status.
 */
final class Api {

    static final String BASE = "/apis/v1alpha1";
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer read whole. */
    record Answer(int status, HttpResponse<?> response, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "the apiserver answered " + status + " with something that is not JSON");
            }
        }

        String header(String name) {
            return response.headers().firstValue(name).orElse(null);
        }
    }

    private final Settings settings;
    private final HttpClient http;

    Api(Settings settings) {
        this.settings = settings;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    }

    static String resourcePath(ResourceKind kind, String name) {
        return BASE + "/" + kind.wire() + "/" + segment(name);
    }

    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A request whose answer is read whole; any status comes back (see {@link #ok}). */
    Answer call(String method, String path, String jsonBody, Map<String, String> headers) {
        HttpRequest.Builder request = request(path).timeout(REQUEST_TIMEOUT).header("Accept", "application/json");
        headers.forEach(request::header);
        if (jsonBody == null) {
            request.method(method, HttpRequest.BodyPublishers.noBody());
        } else {
            request.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(jsonBody));
        }
        HttpResponse<String> response = send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        return new Answer(response.statusCode(), response, response.body());
    }

    Answer get(String path) {
        return call("GET", path, null, Map.of());
    }

    /** The answer if its status is one of {@code expected}, else the problem it holds as a {@link CliException}. */
    Answer ok(Answer answer, int... expected) {
        for (int status : expected) {
            if (answer.status == status) {
                return answer;
            }
        }
        throw problem(answer.status, answer.body);
    }

    /** A streamed answer (a log, a watch); an error status is read whole and thrown as its problem. */
    InputStream stream(String path, String accept, Map<String, String> headers) {
        HttpRequest.Builder request = request(path).header("Accept", accept).GET();
        headers.forEach(request::header);
        HttpResponse<InputStream> response = send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() == 406) {
            throw new CliException(ExitCode.ERROR, "the apiserver at " + settings.server + " does not serve " + path + " as "
                    + accept + ": it is older than paasctl");
        }
        if (response.statusCode() != 200) {
            try (InputStream body = response.body()) {
                throw problem(response.statusCode(), new String(body.readNBytes(64 * 1024), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new CliException(ExitCode.ofStatus(response.statusCode()), "the apiserver answered " + response.statusCode());
            }
        }
        String type = response.headers().firstValue("Content-Type").orElse("");
        if (!type.startsWith(accept)) {
            try (InputStream unexpected = response.body()) {
                throw new CliException(ExitCode.ERROR, "the apiserver at " + settings.server + " answered " + path + " with '" + type
                        + "', not " + accept + ": it does not serve this route yet (is it older than paasctl?)");
            } catch (IOException e) {
                throw new CliException(ExitCode.ERROR, "the apiserver answered " + path + " with '" + type + "', not " + accept);
            }
        }
        return response.body();
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create(settings.server + path)).header("Authorization", "Bearer " + settings.token);
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler) {
        try {
            return http.send(request, handler);
        } catch (HttpConnectTimeoutException | ConnectException e) {
            String why = e instanceof HttpConnectTimeoutException ? "no answer to the connection" : "connection refused";
            throw new CliException.Unreachable("cannot reach the apiserver at " + settings.server + " (" + why
                    + "); is it running, and is that its address? (--server, PAAS_SERVER or 'server =' in the config file)");
        } catch (HttpTimeoutException e) {
            throw new CliException(ExitCode.ERROR, "the apiserver at " + settings.server + " did not answer " + request.method() + " "
                    + request.uri().getPath() + " within " + REQUEST_TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            if (request.method().equals("GET")) {
                // Connected but closed with no answer (an apiserver stopping): for a read, as good as out of reach, and
                // a watch tries again; a write is not called so, as it may have been done.
                throw new CliException.Unreachable("the apiserver at " + settings.server + " closed the connection without"
                        + " an answer to GET " + request.uri().getPath() + " (" + describe(e) + ")");
            }
            throw new CliException(ExitCode.ERROR, request.method() + " " + settings.server + request.uri().getPath() + " failed: "
                    + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCode.ERROR, "interrupted");
        }
    }

    private static String describe(Exception e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /** An error answer in words: the problem's detail (or title), each invalid field, and what to check for a 401. */
    CliException problem(int status, String body) {
        StringBuilder message = new StringBuilder();
        JsonNode problem = null;
        try {
            problem = JSON.readTree(body);
        } catch (IOException notJson) {
            // said below, by status alone
        }
        if (problem != null && problem.isObject() && problem.path("errors").size() > 0) {
            // A 400's detail lists the fields' errors on one line: each goes on its own line instead.
            JsonNode first = problem.path("errors").path(0);
            String detail = Text.clean(problem.path("detail").asText());
            boolean listed = detail.isEmpty() || detail.contains(first.path("field").asText() + ": " + first.path("message").asText());
            message.append(listed ? "the apiserver refused it" : detail).append(" (").append(status).append("):");
            for (JsonNode error : problem.path("errors")) {
                message.append("\n  ").append(Text.clean(error.path("field").asText())).append(": ")
                        .append(Text.clean(error.path("message").asText()));
            }
        } else if (problem != null && problem.isObject() && (problem.hasNonNull("detail") || problem.hasNonNull("title"))) {
            message.append(Text.clean(problem.hasNonNull("detail") ? problem.path("detail").asText() : problem.path("title").asText()))
                    .append(" (").append(status).append(")");
        } else {
            message.append("the apiserver answered ").append(status);
        }
        if (status == 401) {
            message.append("\nthe apiserver does not accept the token from ").append(settings.tokenSource);
        } else if (status == 403) {
            message.append("\nthe token from ").append(settings.tokenSource).append(" is valid, but its role does not allow this");
        }
        return new CliException(ExitCode.ofStatus(status), message.toString());
    }
}
