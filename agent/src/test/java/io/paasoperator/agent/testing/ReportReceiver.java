package io.paasoperator.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands where the apiserver would: takes health reports (per application, or per host with every verdict) and action
 * results, and keeps what arrived.
 */
public final class ReportReceiver implements AutoCloseable {

    /**
     * One delivered verdict; {@code hostReport}: the number of the host report that carried it, 0 for the seed's route;
     * {@code atNanos}: when it arrived ({@link System#nanoTime}).
     */
    public record Report(String type, String name, String code, String msg, String authorization, int hostReport,
            long atNanos) {
    }

    /** One delivered action result, and when it arrived. */
    public record Result(String type, String name, String id, JsonNode operation, long atNanos) {
    }

    /** One call that arrived: {@code route} "check", "report" or "result", when ({@link System#nanoTime}), and whether it was refused. */
    public record Arrival(String route, long atNanos, boolean refused) {
    }

    private final HttpServer server;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<Result> results = new CopyOnWriteArrayList<>();
    private final AtomicInteger hostReports = new AtomicInteger();
    private final List<Arrival> arrivals = new CopyOnWriteArrayList<>();
    private final Map<String, AtomicInteger> refusals = new ConcurrentHashMap<>();
    private volatile int retryAfterSeconds;

    public ReportReceiver() throws IOException {
        this("127.0.0.1");
    }

    /** A receiver on {@code address} (a free port). */
    public ReportReceiver(String address) throws IOException {
        server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        ObjectMapper json = new ObjectMapper();
        server.createContext("/apis/v1alpha1/", exchange -> {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            String route = parts.length == 6 && parts[3].equals("hosts") ? "report"
                    : parts.length == 6 ? "check" : parts.length == 7 ? "result" : "other";
            AtomicInteger refuse = refusals.get(route);
            boolean refused = refuse != null && refuse.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            arrivals.add(new Arrival(route, System.nanoTime(), refused));
            if (refused) {
                // As a busy apiserver answers: at once, with when to come back.
                exchange.getRequestBody().readAllBytes();
                exchange.getResponseHeaders().add("Retry-After", String.valueOf(retryAfterSeconds));
                exchange.getResponseHeaders().add("Content-Type", "application/problem+json");
                byte[] problem = "{\"title\":\"Service Unavailable\",\"status\":503}".getBytes(StandardCharsets.UTF_8);
                exchange.sendResponseHeaders(503, problem.length);
                exchange.getResponseBody().write(problem);
                exchange.close();
                return;
            }
            // /apis/v1alpha1/{type}/{name}/check
            if (parts.length == 6 && parts[5].equals("check") && exchange.getRequestMethod().equals("PUT")) {
                JsonNode body = json.readTree(exchange.getRequestBody());
                reports.add(new Report(parts[3], parts[4], body.path("code").asText(), body.path("msg").asText(),
                        exchange.getRequestHeaders().getFirst("Authorization"), 0, System.nanoTime()));
                exchange.sendResponseHeaders(202, -1);
            } else if (parts.length == 6 && parts[3].equals("hosts") && parts[5].equals("report")
                    && exchange.getRequestMethod().equals("PUT")) {
                // /apis/v1alpha1/hosts/{ip}/report
                int number = hostReports.incrementAndGet();
                for (JsonNode verdict : json.readTree(exchange.getRequestBody()).path("reports")) {
                    reports.add(new Report(verdict.path("kind").asText(), verdict.path("name").asText(),
                            verdict.path("code").asText(), verdict.path("msg").asText(),
                            exchange.getRequestHeaders().getFirst("Authorization"), number, System.nanoTime()));
                }
                exchange.sendResponseHeaders(202, -1);
            } else if (parts.length == 7 && parts[5].equals("operations") && exchange.getRequestMethod().equals("PUT")) {
                results.add(new Result(parts[3], parts[4], parts[6], json.readTree(exchange.getRequestBody()),
                        System.nanoTime()));
                exchange.sendResponseHeaders(202, -1);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
    }

    /** The next {@code count} calls to {@code route} ("check", "report", "result") are answered 503 with Retry-After. */
    public void refuse(String route, int count, int retryAfterSeconds) {
        this.retryAfterSeconds = retryAfterSeconds;
        refusals.put(route, new AtomicInteger(count));
    }

    public List<Arrival> arrivals(String route) {
        return arrivals.stream().filter(a -> a.route().equals(route)).toList();
    }

    public String address() {
        return server.getAddress().getAddress().getHostAddress();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public List<Report> reportsFor(String name) {
        return reports.stream().filter(r -> r.name().equals(name)).toList();
    }

    public List<Result> resultsFor(String name) {
        return results.stream().filter(r -> r.name().equals(name)).toList();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
