package io.paasoperator.agent.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands where the apiserver would: takes health reports (per application, or per host with every verdict) and action
 * results, and keeps what arrived.
 */
public final class ReportReceiver implements AutoCloseable {

    /** One delivered verdict; {@code hostReport}: the number of the host report that carried it, 0 for the seed's route. */
    public record Report(String type, String name, String code, String msg, String authorization, int hostReport) {
    }

    /** One delivered action result. */
    public record Result(String type, String name, String id, JsonNode operation) {
    }

    private final HttpServer server;
    private final List<Report> reports = new CopyOnWriteArrayList<>();
    private final List<Result> results = new CopyOnWriteArrayList<>();
    private final AtomicInteger hostReports = new AtomicInteger();

    public ReportReceiver() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        ObjectMapper json = new ObjectMapper();
        server.createContext("/apis/v1alpha1/", exchange -> {
            String[] parts = exchange.getRequestURI().getPath().split("/");
            // /apis/v1alpha1/{type}/{name}/check
            if (parts.length == 6 && parts[5].equals("check") && exchange.getRequestMethod().equals("PUT")) {
                JsonNode body = json.readTree(exchange.getRequestBody());
                reports.add(new Report(parts[3], parts[4], body.path("code").asText(), body.path("msg").asText(),
                        exchange.getRequestHeaders().getFirst("Authorization"), 0));
                exchange.sendResponseHeaders(202, -1);
            } else if (parts.length == 6 && parts[3].equals("hosts") && parts[5].equals("report")
                    && exchange.getRequestMethod().equals("PUT")) {
                // /apis/v1alpha1/hosts/{ip}/report
                int number = hostReports.incrementAndGet();
                for (JsonNode verdict : json.readTree(exchange.getRequestBody()).path("reports")) {
                    reports.add(new Report(verdict.path("kind").asText(), verdict.path("name").asText(),
                            verdict.path("code").asText(), verdict.path("msg").asText(),
                            exchange.getRequestHeaders().getFirst("Authorization"), number));
                }
                exchange.sendResponseHeaders(202, -1);
            } else if (parts.length == 7 && parts[5].equals("operations") && exchange.getRequestMethod().equals("PUT")) {
                results.add(new Result(parts[3], parts[4], parts[6], json.readTree(exchange.getRequestBody())));
                exchange.sendResponseHeaders(202, -1);
            } else {
                exchange.sendResponseHeaders(404, -1);
            }
            exchange.close();
        });
        server.start();
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
