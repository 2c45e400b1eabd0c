package io.paasoperator.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.contract.ResourceKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The apiserver's REST API as the benchmark and its test use it: host registration, creates, reads, and a watch that
 * counts the resources that reached {@code running}. Blocking calls (the JDK's client): the driver is not the measured
 * part.
 */
public final class FleetApi {

    private static final ObjectMapper JSON = new ObjectMapper();
    /** Never fetched: the simulated agents run no scripts. */
    static final String REPO_URL = "http://127.0.0.1:9/fleet/";

    private final String base;
    private final String metricsUrl;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    public FleetApi(String baseUrl, String token) {
        this.base = baseUrl + "/apis/v1alpha1";
        this.metricsUrl = baseUrl + "/q/metrics";
        this.token = token;
    }

    /** Registers the agent on {@code ip} as one installed by other means (PUT /hosts/{ip}). */
    public HttpResponse<String> register(String ip, int agentPort, String secret) {
        return send("PUT", "/hosts/" + ip, write(Map.of("agent_port", agentPort, "secret", secret)));
    }

    /**
     * Creates a resource on one registered host, expected running from the start: the reconciler installs and starts
     * it without a state PUT.
     */
    public HttpResponse<String> createRunning(ResourceKind kind, String name, String ip, int agentPort, Duration checkInterval) {
        Map<String, Object> app = Map.of("repo_url", REPO_URL, "install", "install.sh", "start", "start.sh",
                "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh",
                "check_interval", checkInterval.toSeconds(),
                "status", Map.of("expect", "running", "realtime", "not-installed"));
        return send("POST", "/" + kind.wire() + "/create",
                write(Map.of("name", name, "host", List.of(Map.of("ip", ip, "agent_port", agentPort)), "app", app)));
    }

    public JsonNode get(String path) {
        HttpResponse<String> answer = send("GET", path, null);
        if (answer.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + answer.statusCode() + " " + answer.body());
        }
        return read(answer.body());
    }

    /** How many resources of {@code kind} are {@code realtime} now. */
    public int count(ResourceKind kind, String realtime) {
        return names(kind, realtime).size();
    }

    /** The names of the resources of {@code kind} that are {@code realtime} now: the list, page by page. */
    public List<String> names(ResourceKind kind, String realtime) {
        List<String> names = new ArrayList<>();
        String next = null;
        do {
            JsonNode page = get("/" + kind.wire() + "?realtime=" + realtime + "&limit=1000"
                    + (next == null ? "" : "&continue=" + URLEncoder.encode(next, StandardCharsets.UTF_8)));
            page.path("items").forEach(item -> names.add(item.path("name").asText()));
            next = page.path("continue").asText(null);
            next = next == null || next.isEmpty() ? null : next;
        } while (next != null);
        return names;
    }

    /** The sum of the apiserver's metric {@code name} (Prometheus text, e.g. paas_reconcile_passes_total) over its tags. */
    public double metric(String name) {
        try {
            String text = http.send(HttpRequest.newBuilder(URI.create(metricsUrl)).timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            return text.lines().filter(line -> line.startsWith(name + " ") || line.startsWith(name + "{"))
                    .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
        } catch (IOException e) {
            throw new UncheckedIOException("GET " + metricsUrl, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading " + metricsUrl, e);
        }
    }

    public HttpResponse<String> send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(method + " " + path, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    /**
     * Follows {@code GET /{kind}?watch=true&realtime=running} for every kind, each on a thread of its own, and keeps the
     * names that reached running: the time until all are running, without polling lists of thousands.
     */
    public RunningWatch watchRunning() {
        return new RunningWatch();
    }

    public final class RunningWatch implements AutoCloseable {
        private final Set<String> running = ConcurrentHashMap.newKeySet();
        private final CountDownLatch answered = new CountDownLatch(ResourceKind.values().length);
        private final List<Thread> readers;
        private volatile boolean closed;

        /** Returns once every kind's stream has answered: from then on no change is missed. */
        private RunningWatch() {
            readers = Stream.of(ResourceKind.values()).map(kind -> {
                Thread reader = new Thread(() -> follow(kind), "watch-" + kind.wire());
                reader.setDaemon(true);
                reader.start();
                return reader;
            }).toList();
            try {
                if (!answered.await(60, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the watch streams did not answer within 60 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }

        private void follow(ResourceKind kind) {
            HttpRequest request = HttpRequest.newBuilder(URI.create(base + "/" + kind.wire() + "?watch=true&realtime=running"))
                    .header("Authorization", "Bearer " + token).build();
            try {
                HttpResponse<Stream<String>> answer = http.send(request, HttpResponse.BodyHandlers.ofLines());
                answered.countDown();
                try (Stream<String> lines = answer.body()) {
                    // Heartbeats come every few seconds: a closed watch ends at the next line at the latest.
                    lines.takeWhile(line -> !closed).filter(line -> line.startsWith("data:"))
                            .forEach(line -> running.add(kind.wire() + "/" + read(line.substring(5)).path("name").asText()));
                }
            } catch (IOException | UncheckedIOException e) {
                if (!closed) {
                    System.err.println("the watch of " + kind.wire() + " ended: " + e);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        /** Resources seen running so far. */
        public int running() {
            return running.size();
        }

        /** Whether {@code kind/name} was seen running. */
        public boolean sawRunning(ResourceKind kind, String name) {
            return running.contains(kind.wire() + "/" + name);
        }

        @Override
        public void close() {
            closed = true;
            readers.forEach(Thread::interrupt);
        }
    }

    private static String write(Object body) {
        try {
            return JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
