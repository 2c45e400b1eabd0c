package io.paasoperator.agent.testing;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;

/**
 * A real HTTP repository of script sets, as a user's software server would be: serves the test's {@code repo/}
 * resources (plus a site.tar.gz package built for the web app) from a directory, on 127.0.0.1.
 */
public final class ScriptRepository implements AutoCloseable {

    private final HttpServer server;
    private final Path root;

    private ScriptRepository(HttpServer server, Path root) {
        this.server = server;
        this.root = root;
    }

    public static ScriptRepository serve(Path root) throws IOException, InterruptedException {
        return serve(root, "127.0.0.1");
    }

    /** The scripts, served on {@code address} (a free port). */
    public static ScriptRepository serve(Path root, String address) throws IOException, InterruptedException {
        copyResources(root, "webapp", "install.sh", "start.sh", "check.sh", "stop.sh", "restart.sh", "uninstall.sh");
        copyResources(root, "lab", "install.sh", "start.sh", "check.sh", "stop.sh", "uninstall.sh");
        copyResources(root, "chatty", "install.sh", "start.sh", "check.sh", "stop.sh", "uninstall.sh");
        Path site = Files.createDirectories(root.resolve("site-src"));
        Files.writeString(site.resolve("index.html"), "<h1>paas-operator test site</h1>\n");
        Process tar = new ProcessBuilder("tar", "-czf", root.resolve("webapp/site.tar.gz").toString(), "-C", site.toString(), ".")
                .inheritIO().start();
        if (tar.waitFor() != 0) {
            throw new IOException("tar failed");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(address, 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.createContext("/", exchange -> {
            Path file = root.resolve(exchange.getRequestURI().getPath().substring(1)).normalize();
            if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                exchange.sendResponseHeaders(404, -1);
                exchange.close();
                return;
            }
            exchange.sendResponseHeaders(200, Files.size(file));
            try (OutputStream out = exchange.getResponseBody()) {
                Files.copy(file, out);
            }
        });
        server.start();
        return new ScriptRepository(server, root);
    }

    /** The URL of one script set, without a trailing slash (the agent must cope). */
    public String url(String app) {
        return "http://" + server.getAddress().getAddress().getHostAddress() + ":" + server.getAddress().getPort() + "/" + app;
    }

    public Path file(String app, String name) {
        return root.resolve(app).resolve(name);
    }

    private static void copyResources(Path root, String app, String... names) throws IOException {
        Path dir = Files.createDirectories(root.resolve(app));
        for (String name : names) {
            try (InputStream in = ScriptRepository.class.getResourceAsStream("/repo/" + app + "/" + name)) {
                Files.copy(in, dir.resolve(name));
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
