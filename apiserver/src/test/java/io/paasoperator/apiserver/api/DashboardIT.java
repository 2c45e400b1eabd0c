package io.paasoperator.apiserver.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.ApiserverProcess;
import io.paasoperator.apiserver.testing.FileRepository;
import io.paasoperator.apiserver.testing.FileTrees;
import io.paasoperator.itsupport.AgentProcess;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The web dashboard in a real browser (Debian's Chromium, driven by playwright-core: src/test/dashboard/flow.mjs), against
 * the packaged apiserver with its own embedded PostgreSQL and a registered agent process on 127.0.0.181 that runs the
 * counter script set from an HTTP repository on 127.0.0.180. The flow signs in with a wrong token and then the right
 * one, starts and stops a resource with the page's buttons and sees each state arrive, sees a resource created
 * elsewhere appear, opens the resource's page and the hosts page, signs out, and signs in as a viewer, whose state
 * button is refused with the API's reason; it keeps a screenshot of each step in
 * target/dashboard/. The page must keep up by the watch stream and never poll the list. A second flow follows an
 * apiserver that comes back with another database; a third has the page's watch requests refused (as a proxy that
 * refuses event streams would), and the page must poll the list instead.
 */
class DashboardIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path FLOW_DIR = Path.of("src", "test", "dashboard").toAbsolutePath();
    private static final Path SCREENSHOTS = Path.of("target", "dashboard").toAbsolutePath();
    private static final String CHROMIUM = "/usr/bin/chromium";
    private static final String BROWSER_IP = "127.0.0.180";
    private static final String AGENT_IP = "127.0.0.181";
    private static final String KIND = "middleware";

    static Path work;
    static ApiserverProcess apiserver;
    static FileRepository repo;
    static AgentProcess agent;
    static String token;
    static String viewerToken;

    @BeforeAll
    static void startTheSystem() throws Exception {
        assertTrue(Files.isExecutable(Path.of(CHROMIUM)), "Debian's chromium package is needed: " + CHROMIUM);
        work = Files.createTempDirectory("paas-dashboard-");
        token = "dashboard-token-" + Math.abs(new SecureRandom().nextLong());
        viewerToken = "dashboard-token-" + Math.abs(new SecureRandom().nextLong());
        int port = ApiserverProcess.freePort();
        // Zero configuration but a token: the apiserver starts its own PostgreSQL in its data directory.
        apiserver = ApiserverProcess.start(work.resolve("apiserver"), port, Map.of(
                "PAAS_API_TOKENS", "dashboard-admin:admin:" + token + ",dashboard-viewer:viewer:" + viewerToken,
                "PAAS_RECONCILE_CHECK_INTERVAL", "1s"), "dashboard-apiserver.log");
        apiserver.useToken(token);
        repo = new FileRepository(Path.of("src", "test", "resources", "repo"), BROWSER_IP);
        String secret = "registered-secret-" + Math.abs(new SecureRandom().nextLong());
        agent = AgentProcess.start(AGENT_IP, work.resolve("agent"), secret, "http://" + BROWSER_IP + ":" + port,
                Path.of("target", "it-logs", "dashboard-agent.log"));
        HttpResponse<String> registered = apiserver.send("PUT", "/apis/v1alpha1/hosts/" + AGENT_IP,
                JSON.writeValueAsString(Map.of("agent_port", agent.port, "secret", secret)));
        assertEquals(200, registered.statusCode(), registered.body());
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        for (AutoCloseable part : new AutoCloseable[] {agent, repo, apiserver}) {
            if (part != null) {
                part.close();
            }
        }
        // The apiserver's PostgreSQL (stopped with it), the agent's applications, the browser's profile.
        if (work != null) {
            FileTrees.delete(work);
        }
    }

    /** A counter resource on the registered agent's host; its install takes a second, so "installing" is seen on the way. */
    private static Map<String, Object> body(String name) {
        return Map.of("name", name, "host", List.of(Map.of("ip", AGENT_IP, "agent_port", agent.port)),
                "app", Map.of("repo_url", repo.url("counter/"), "install", "install.sh", "start", "start.sh",
                        "stop", "stop.sh", "check", "check.sh", "uninstall", "uninstall.sh",
                        "metadata", Map.of("INSTALL_SECONDS", "1")));
    }

    @Test
    void theDashboardSignsInDrivesAResourceAndShowsItsHostsAndEventsLive() throws Exception {
        String name = "dashboard-counter";
        HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create",
                JSON.writeValueAsString(body(name)));
        assertEquals(201, created.statusCode(), created.body());

        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("dashboard-flow.log");
        Process flow = startFlow("flow.mjs", "chromium-profile", log, Map.of(
                "url", "http://" + BROWSER_IP + ":" + apiserver.port + "/",
                "kind", KIND, "name", name, "host", AGENT_IP,
                "other", body("dashboard-counter-other")), Map.of(
                "DASHBOARD_VIEWER_TOKEN", viewerToken,
                "DASHBOARD_WRONG_TOKEN", "not-the-token-" + Math.abs(new SecureRandom().nextLong())));
        boolean ended = flow.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            flow.descendants().forEach(ProcessHandle::destroyForcibly);
            flow.destroyForcibly();
        }
        String output = Files.readString(log);
        System.out.println(output);
        assertTrue(ended, "the browser flow did not end within 5 minutes; see " + log);
        assertEquals(0, flow.exitValue(), "the browser flow failed; see " + log + " and " + SCREENSHOTS);
        for (String step : List.of("01-sign-in", "02-wrong-token", "03-running", "04-stopped", "05-resource", "06-operation-log",
                "07-hosts", "08-viewer-refused")) {
            assertTrue(Files.size(SCREENSHOTS.resolve(step + ".png")) > 1000, step);
        }

        // What the page showed is what happened: the agent ran the scripts it asked for.
        assertEquals("run\n", Files.readString(agent.appHome(KIND, name).resolve("install-count")));
        assertFalse(Files.exists(agent.appHome(KIND, name).resolve("running")), "still running after the page's stop");
        String apiserverLog = Files.readString(apiserver.log());
        assertFalse(apiserverLog.contains("request failed, incident"), "a request failed with a 500; see " + apiserver.log());
        assertFalse(output.contains(token) || output.contains(viewerToken), "a token in the flow's output");
    }

    /**
     * An apiserver that comes back with another database (a new one, or a backup restored) knows no event of the id the
     * page resumes from: the page lists afresh rather than asking for that id again and again (flow-new-history.mjs).
     */
    @Test
    void aPageFollowingAnApiserverThatComesBackWithAnotherDatabaseListsAfresh() throws Exception {
        int port = ApiserverProcess.freePort();
        Map<String, String> settings = Map.of("PAAS_API_TOKENS", "dashboard-admin:admin:" + token);
        Path signals = Files.createDirectories(work.resolve("new-history-signals"));
        List<String> old = List.of("history-old-1", "history-old-2");
        String fresh = "history-new";
        ApiserverProcess before = ApiserverProcess.start(work.resolve("before"), port, settings, "dashboard-before.log");
        try {
            before.useToken(token);
            assertEquals(201, before.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body(old.get(0)))).statusCode());
            Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("dashboard-new-history.log");
            Process flow = startFlow("flow-new-history.mjs", "chromium-profile-new-history", log, Map.of(
                    "url", "http://" + BROWSER_IP + ":" + port + "/", "kind", KIND, "old", old, "fresh", fresh,
                    "signals", signals.toString()), Map.of());
            try {
                awaitSignal(signals.resolve("listed"), flow, log);
                assertEquals(201, before.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body(old.get(1)))).statusCode());
                awaitSignal(signals.resolve("changed"), flow, log);
                before.close();
                ApiserverProcess after = ApiserverProcess.start(work.resolve("after"), port, settings, "dashboard-after.log");
                try {
                    after.useToken(token);
                    assertEquals(201, after.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body(fresh))).statusCode());
                    assertTrue(flow.waitFor(3, TimeUnit.MINUTES), "the flow did not end within 3 minutes; see " + log);
                    assertEquals(0, flow.exitValue(), "the flow failed; see " + log + " and " + SCREENSHOTS);
                } finally {
                    after.close();
                }
            } finally {
                flow.descendants().forEach(ProcessHandle::destroyForcibly);
                flow.destroyForcibly();
            }
            System.out.println(Files.readString(log));
        } finally {
            before.close();
        }
    }

    /**
     * Behind a proxy that refuses event streams (answering the page's watch requests 502), the page says it polls, and
     * shows a resource created and then deleted through the API by polling the list (flow-polling.mjs).
     */
    @Test
    void aPageWhoseWatchIsRefusedPollsTheListAndStillShowsChanges() throws Exception {
        Path signals = Files.createDirectories(work.resolve("polling-signals"));
        String name = "dashboard-polled";
        Path log = Files.createDirectories(Path.of("target", "it-logs")).resolve("dashboard-polling.log");
        Process flow = startFlow("flow-polling.mjs", "chromium-profile-polling", log, Map.of(
                "url", "http://" + BROWSER_IP + ":" + apiserver.port + "/", "kind", KIND, "name", name,
                "signals", signals.toString()), Map.of());
        try {
            awaitSignal(signals.resolve("polling"), flow, log);
            // Not installed (no status given): nothing runs on the agent's host for it.
            HttpResponse<String> created = apiserver.send("POST", "/apis/v1alpha1/" + KIND + "/create", JSON.writeValueAsString(body(name)));
            assertEquals(201, created.statusCode(), created.body());
            awaitSignal(signals.resolve("shown"), flow, log);
        } finally {
            // Gone before the other flows count the resources.
            assertEquals(200, apiserver.send("DELETE", "/apis/v1alpha1/" + KIND + "/" + name, null).statusCode());
        }
        try {
            assertTrue(flow.waitFor(2, TimeUnit.MINUTES), "the flow did not end within 2 minutes; see " + log);
            assertEquals(0, flow.exitValue(), "the flow failed; see " + log + " and " + SCREENSHOTS);
        } finally {
            flow.descendants().forEach(ProcessHandle::destroyForcibly);
            flow.destroyForcibly();
        }
        System.out.println(Files.readString(log));
    }

    /**
     * Starts a browser flow with node: its config (plus the browser, a profile of its own and where screenshots go) in a
     * file, its output in {@code log}. The admin's token and any {@code tokens} go by environment, never on a command line.
     */
    private static Process startFlow(String script, String profile, Path log, Map<String, Object> settings,
            Map<String, String> tokens) throws Exception {
        Map<String, Object> config = new HashMap<>(settings);
        config.put("screenshots", Files.createDirectories(SCREENSHOTS).toString());
        config.put("chromium", CHROMIUM);
        config.put("profile", Files.createDirectories(work.resolve(profile)).toString());
        Path file = work.resolve(script.replace(".mjs", ".json"));
        Files.writeString(file, JSON.writeValueAsString(config));
        ProcessBuilder node = new ProcessBuilder("node", script, file.toString()).directory(FLOW_DIR.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        node.environment().put("DASHBOARD_TOKEN", token);
        node.environment().putAll(tokens);
        return node.start();
    }

    private static void awaitSignal(Path signal, Process flow, Path log) throws Exception {
        for (int i = 0; i < 1200 && !Files.exists(signal); i++) {
            assertTrue(flow.isAlive() || Files.exists(signal), "the flow ended early; see " + log + ":\n" + Files.readString(log));
            Thread.sleep(100);
        }
        assertTrue(Files.exists(signal), "no " + signal.getFileName() + " from the flow within 120 s; see " + log);
    }
}
