package io.paasoperator.apiserver.agentclient;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AgentVersion;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.Operation;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.ext.web.client.WebClientOptions;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.buffer.Buffer;
import io.vertx.mutiny.core.http.HttpClient;
import io.vertx.mutiny.ext.web.client.HttpRequest;
import io.vertx.mutiny.ext.web.client.HttpResponse;
import io.vertx.mutiny.ext.web.client.WebClient;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Calls a host's agent (SPEC.md §5) without blocking: the Vert.x web client, on the event loop. Every failure becomes
 * an {@link AgentCallException} whose message a person can act on ("no agent answers at 10.0.0.5:3335").
 */
@Singleton
public class AgentClient {

    static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);
    /** Logs read from one agent at once: each holds a connection while its reader takes it; more wait for one. */
    static final int LOG_STREAMS_PER_AGENT = 16;

    private final WebClient client;
    /** For answers passed on as they come (logs): the web client would hold a whole body in memory. */
    private final HttpClient streams;
    private final ObjectMapper json;

    public AgentClient(Vertx vertx, ObjectMapper json) {
        this.client = WebClient.create(vertx, new WebClientOptions().setConnectTimeout(3000).setKeepAlive(true)
                .setMaxPoolSize(4).setUserAgent("paas-operator-apiserver"));
        this.streams = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(3000).setKeepAlive(true)
                .setMaxPoolSize(LOG_STREAMS_PER_AGENT));
        this.json = json;
    }

    /** The agent's release and build: the one call that needs no secret, to find out whether the right agent runs. */
    public Uni<AgentVersion> version(String ip, int port) {
        return send(new AgentEndpoint(ip, port, null), client.get(port, ip, "/version"), null, CALL_TIMEOUT, "version", 200,
                body -> read(body, AgentVersion.class))
                // Every agent has /version: what answers 404 there is another program on the agent's port.
                .onFailure(NotKnown.class).transform(e -> new AgentCallException(AgentCallException.Failure.REFUSED,
                        "something other than an agent answers at " + ip + ":" + port + " (404 to GET /version)"));
    }

    /** Asks the agent to run {@code action}; answers with the operation it started. */
    public Uni<Operation> submit(AgentEndpoint agent, Action action, AgentRequest request) {
        return send(agent, client.post(agent.port(), agent.ip(), "/" + action.wire()), request, CALL_TIMEOUT,
                action.wire(), 202, body -> read(body, Operation.class));
    }

    /** An operation by id; null when the agent does not know it (never received, or forgotten). */
    public Uni<Operation> operation(AgentEndpoint agent, String id) {
        return send(agent, client.get(agent.port(), agent.ip(), "/operations/" + id), null, CALL_TIMEOUT,
                "operation " + id, 200, body -> read(body, Operation.class))
                .onFailure(NotKnown.class).recoverWithNull();
    }

    /** Runs the check now: whether the application is installed and healthy. */
    public Uni<AppStatus> probe(AgentEndpoint agent, AgentRequest request, Duration checkTimeout) {
        return send(agent, client.post(agent.port(), agent.ip(), "/check"), request, checkTimeout.plus(CALL_TIMEOUT),
                "check", 200, body -> read(body, AppStatus.class));
    }

    /** What the agent knows of an application; null when nothing. */
    public Uni<AppStatus> status(AgentEndpoint agent, String type, String name) {
        return send(agent, client.get(agent.port(), agent.ip(), "/apps/" + type + "/" + name), null, CALL_TIMEOUT,
                "status", 200, body -> read(body, AppStatus.class))
                .onFailure(NotKnown.class).recoverWithNull();
    }

    /** Tells the agent to stop managing an application (its files and processes stay). */
    public Uni<Void> forget(AgentEndpoint agent, String type, String name) {
        return send(agent, client.delete(agent.port(), agent.ip(), "/apps/" + type + "/" + name), null, CALL_TIMEOUT,
                "forget", 200, body -> null).replaceWithVoid().onFailure(NotKnown.class).recoverWithNull();
    }

    /**
     * An operation's whole log as the agent keeps it, passed on as it arrives: the agent is read only as fast as the
     * returned stream is consumed (Vert.x pauses the connection meanwhile), and a consumer that goes away ends the call.
     * Fails like the other calls, or with {@link NotKnown} when the agent has no such operation or no longer its log
     * (its words in the message).
     */
    public Uni<Multi<Buffer>> operationLog(AgentEndpoint agent, String id) {
        String where = agent.toString();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setHost(agent.ip()).setPort(agent.port())
                .setURI("/operations/" + id + "/log").putHeader("User-Agent", "paas-operator-apiserver")
                .setConnectTimeout(CALL_TIMEOUT.toMillis()); // a connection, new or from the pool, within the call's time
        if (agent.secret() != null) {
            options.putHeader("Authorization", "Bearer " + agent.secret());
        }
        return streams.request(options).chain(request -> request.send()
                        .ifNoItem().after(CALL_TIMEOUT).failWith(() -> {
                            request.reset();
                            return new TimeoutException("no answer within " + CALL_TIMEOUT.toSeconds() + "s");
                        }))
                .onFailure().transform(e -> unreachable(where, e))
                .chain(response -> {
                    if (response.statusCode() == 200) {
                        // Taken over at once, before the first chunk arrives; paused until read.
                        return Uni.createFrom().item(response.toMulti()
                                .onCancellation().invoke(() -> response.request().reset()));
                    }
                    return response.body().map(body -> {
                        throw refusal(response.statusCode(), body, where, "the log of operation " + id);
                    });
                });
    }

    private <T> Uni<T> send(AgentEndpoint agent, HttpRequest<Buffer> request, Object body, Duration timeout, String what,
            int expected, Function<Buffer, T> reader) {
        request.timeout(timeout.toMillis());
        if (agent.secret() != null) {
            request.bearerTokenAuthentication(agent.secret());
        }
        Uni<HttpResponse<Buffer>> call = body == null ? request.send()
                : request.putHeader("Content-Type", "application/json").sendBuffer(Buffer.buffer(write(body)));
        String where = agent.toString();
        return call.onFailure().transform(e -> unreachable(where, e))
                .map(response -> {
                    if (response.statusCode() == expected) {
                        return reader.apply(response.body());
                    }
                    throw refusal(response.statusCode(), response.body(), where, what);
                });
    }

    private static AgentCallException unreachable(String where, Throwable e) {
        return new AgentCallException(AgentCallException.Failure.UNREACHABLE, "no agent answers at " + where + " ("
                + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
    }

    /** An answer other than the one expected: not known (404), our secret refused (401), or refused otherwise. */
    private RuntimeException refusal(int status, Buffer body, String where, String what) {
        if (status == 404) {
            return new NotKnown(detail(body));
        }
        if (status == 401) {
            return new AgentCallException(AgentCallException.Failure.SECRET_REFUSED, "the agent at " + where
                    + " refused this apiserver's secret for " + what);
        }
        return new AgentCallException(AgentCallException.Failure.REFUSED, "the agent at " + where + " refused " + what + ": "
                + status + " " + detail(body));
    }

    private String write(Object body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private <T> T read(Buffer body, Class<T> type) {
        try {
            return json.readValue(body.toString(), type);
        } catch (JsonProcessingException e) {
            throw new AgentCallException(AgentCallException.Failure.REFUSED, "the agent answered something unreadable as " + type.getSimpleName());
        }
    }

    private String detail(Buffer body) {
        if (body == null) {
            return "";
        }
        try {
            JsonNode problem = json.readTree(body.toString());
            return problem.path("detail").asText(body.toString());
        } catch (JsonProcessingException e) {
            return body.toString().length() > 200 ? body.toString().substring(0, 200) : body.toString();
        }
    }

    /** The agent answered 404: it does not know what was asked about; the message is its own words. */
    public static final class NotKnown extends RuntimeException {
        NotKnown(String agentSays) {
            super(agentSays.isBlank() ? "not known to the agent" : agentSays, null, false, false);
        }
    }

    @PreDestroy
    void close() {
        client.close();
        streams.close().subscribe().with(ok -> { }, e -> { });
    }

}
