package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Request bodies for tests: the seed's own examples, verbatim, and a compact valid body. */
public final class Seeds {

    public static final String SEED_DATABASE_NAME = "mysql-5.7-192.168.19.100";
    public static final String SEED_MIDDLEWARE_NAME = "nginx-1.16-192.168.19.100";
    /** The host of the seed's examples: never contacted, the API's tests run without the reconciler. */
    public static final String SEED_HOST = "192.168.19.100";

    private static final AtomicInteger COUNTER = new AtomicInteger();

    private Seeds() {
    }

    /** The seed's create body for {@code kind}, exactly as the wiki prints it (trailing commas, comment keys, a tab). */
    public static String seedBody(String kind) {
        try (InputStream in = Seeds.class.getResourceAsStream("/seed/" + kind + "-create.json")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The seed body under another name, so tests sharing one database do not collide. */
    public static String seedBody(String kind, String name) {
        String seedName = kind.equals("database") ? SEED_DATABASE_NAME : SEED_MIDDLEWARE_NAME;
        return seedBody(kind).replace("\"" + seedName + "\"", "\"" + name + "\"");
    }

    public static String uniqueName(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + COUNTER.incrementAndGet();
    }

    /** A small valid body: one host on loopback, one credential. */
    public static String minimalBody(String name, String expect, String realtime) {
        return """
                {"name": "%s",
                 "host": [{"ip": "127.0.0.2", "auth": [{"username": "paas", "password": "pw-%s"}]}],
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh",
                         "status": {"expect": "%s", "realtime": "%s"}}}
                """.formatted(name, name, expect, realtime);
    }

    /** A valid body whose hosts are the JSON array {@code hosts}; no status (so nothing to do until one is set). */
    public static String onHosts(String name, String hosts) {
        return """
                {"name": "%s", "host": %s,
                 "app": {"repo_url": "http://127.0.0.1:8000/repo/", "install": "install.sh", "start": "start.sh",
                         "stop": "stop.sh", "check": "check.sh", "uninstall": "uninstall.sh"}}
                """.formatted(name, hosts);
    }
}
