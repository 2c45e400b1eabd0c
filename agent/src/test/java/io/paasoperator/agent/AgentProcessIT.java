package io.paasoperator.agent;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.agent.testing.AgentProcess;
import io.paasoperator.agent.testing.ReportReceiver;
import io.paasoperator.agent.testing.ScriptRepository;
import java.io.IOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged agent as real processes on 127.0.0.2 and 127.0.0.3, fetching real scripts from a real HTTP repository,
 * running a real web server, and reporting to a real HTTP endpoint.
 */
class AgentProcessIT {

    private static final String SECRET = "agent-secret-" + ThreadLocalRandom.current().nextLong(1_000_000_000L);

    @TempDir
    static Path work;

    static ScriptRepository repo;
    static ReportReceiver receiver;
    static AgentProcess host2;

    @BeforeAll
    static void startHost() throws Exception {
        repo = ScriptRepository.serve(Files.createDirectories(work.resolve("repo")));
        receiver = new ReportReceiver();
        host2 = AgentProcess.start("127.0.0.2", work.resolve("host2"), SECRET, Map.of(), "agent-127.0.0.2.log");
    }

    @AfterAll
    static void stopHost() throws Exception {
        host2.close();
        receiver.close();
        repo.close();
    }

    private static final String APP_PASSWORD = "pw-" + ThreadLocalRandom.current().nextLong(1_000_000_000L);

    private static Map<String, Object> webapp(String name, int webPort) {
        return AgentProcess.request(name, "middleware", repo.url("webapp"), "webapp",
                Map.of("WEB_BIND", "127.0.0.2", "WEB_PORT", String.valueOf(webPort), "APP_PASSWD", APP_PASSWORD), receiver.port());
    }

    private static Map<String, Object> lab(String name, Map<String, String> metadata) {
        return AgentProcess.request(name, "database", repo.url("lab"), "lab", metadata, receiver.port());
    }

    @Test
    void aRealWebServerThroughItsWholeLifecycle() throws Exception {
        int webPort = AgentProcess.freePort("127.0.0.2");
        Map<String, Object> app = webapp("site-a", webPort);

        JsonNode install = host2.runToEnd("install", app);
        assertEquals("succeeded", install.get("state").asText(), install.toString());
        assertEquals(0, install.get("exit_code").asInt());
        assertTrue(install.get("output_tail").asText().contains("installed site-a"), install.toString());
        Path appHome = host2.home.resolve("apps/middleware/site-a");
        String installId = install.get("id").asText();
        await().atMost(Duration.ofSeconds(10)).until(() -> receiver.resultsFor("site-a").stream()
                .anyMatch(r -> r.id().equals(installId) && r.operation().get("state").asText().equals("succeeded")));
        assertTrue(Files.isRegularFile(appHome.resolve("www/index.html")));

        assertEquals("succeeded", host2.runToEnd("start", app).get("state").asText());
        assertTrue(fetch("http://127.0.0.2:" + webPort + "/index.html").contains("paas-operator test site"));
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.reportsFor("site-a").stream()
                .anyMatch(r -> r.code().equals("0") && r.msg().equals("serving index.html")));
        assertEquals("Bearer " + SECRET, receiver.reportsFor("site-a").get(0).authorization());

        JsonNode probe = host2.post("/check", app).body();
        assertTrue(probe.get("installed").asBoolean());
        assertEquals("0", probe.at("/last_check/code").asText());

        long pidBefore = Long.parseLong(Files.readString(appHome.resolve("server.pid")).trim());
        assertEquals("succeeded", host2.runToEnd("restart", app).get("state").asText());
        long pidAfter = Long.parseLong(Files.readString(appHome.resolve("server.pid")).trim());
        assertNotEquals(pidBefore, pidAfter, "restart should replace the server process");

        assertEquals("succeeded", host2.runToEnd("stop", app).get("state").asText());
        assertFalse(listening("127.0.0.2", webPort));
        int before = receiver.reportsFor("site-a").size();
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.reportsFor("site-a").stream().skip(before)
                .anyMatch(r -> r.code().equals("1") && r.msg().contains("nothing answers")));

        Path record = host2.home.resolve("agent/middleware/site-a/state.json");
        assertTrue(Files.readString(record).contains(APP_PASSWORD), "the record keeps metadata for the check loop");
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(record)));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(host2.home.resolve("agent"))));

        assertEquals("succeeded", host2.runToEnd("uninstall", app).get("state").asText());
        assertFalse(Files.exists(appHome), "uninstall left the application's directory behind");
        assertFalse(Files.readString(Path.of("target/it-logs/agent-127.0.0.2.log")).contains(APP_PASSWORD),
                "a metadata value reached the agent's log");
        assertFalse(Files.readString(Path.of("target/it-logs/agent-127.0.0.2.log")).contains(SECRET),
                "the agent's secret reached its log");
        JsonNode status = host2.get("/apps/middleware/site-a").body();
        assertFalse(status.get("installed").asBoolean());
        int afterUninstall = receiver.reportsFor("site-a").size();
        Thread.sleep(3000);
        assertEquals(afterUninstall, receiver.reportsFor("site-a").size(), "checks went on after uninstall");
    }

    @Test
    void aTimeoutKillsTheScriptAndEveryChild() throws Exception {
        String token = "3600." + ThreadLocalRandom.current().nextInt(100_000, 999_999);
        Map<String, Object> app = lab("hang", Map.of("INSTALL_MODE", "hang", "HANG_TOKEN", token));
        app.put("timeouts", Map.of("install", 2));
        var accepted = host2.post("/install", app);
        // The script starts its children one after another: wait for all three, not for the first.
        await().atMost(Duration.ofSeconds(5)).alias("the script's three children")
                .until(() -> sleepers(token).size() >= 3);
        JsonNode operation = host2.awaitOperation(accepted.body().get("id").asText());
        assertEquals("timed-out", operation.get("state").asText(), operation.toString());
        assertTrue(operation.get("reason").asText().contains("killed"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sleepers(token).isEmpty());
    }

    @Test
    void aChecksumMismatchFailsTheInstallBeforeAnyScriptRuns() throws Exception {
        Map<String, Object> app = lab("tampered", Map.of());
        app.put("checksums", Map.of("install.sh", "sha256:" + "0".repeat(64)));
        JsonNode operation = host2.runToEnd("install", app);
        assertEquals("failed", operation.get("state").asText());
        assertTrue(operation.get("reason").asText().contains("checksum"), operation.toString());
        assertFalse(Files.exists(host2.home.resolve("apps/database/tampered/installed-marker")));
        assertFalse(Files.exists(host2.home.resolve("apps/database/tampered/install.sh")), "a bad file was moved in");

        app.put("checksums", Map.of("install.sh", "sha256:" + sha256(repo.file("lab", "install.sh"))));
        assertEquals("succeeded", host2.runToEnd("install", app).get("state").asText());
        assertTrue(Files.exists(host2.home.resolve("apps/database/tampered/installed-marker")));
    }

    @Test
    void aFailingScriptReportsItsExitCodeAndOutput() throws Exception {
        JsonNode operation = host2.runToEnd("install", lab("broken", Map.of("INSTALL_MODE", "fail")));
        assertEquals("failed", operation.get("state").asText());
        assertEquals(3, operation.get("exit_code").asInt());
        assertTrue(operation.get("output_tail").asText().contains("boom: cannot install"), operation.toString());
        assertTrue(operation.get("reason").asText().contains("exited 3"));
        assertEquals(409, host2.post("/start", lab("broken", Map.of())).status(), "start of an app that is not installed");
    }

    @Test
    void checksThatSayNothingOrFailAreUnhealthyWithAReason() throws Exception {
        Map<String, Object> garbage = lab("garbage", Map.of("CHECK_MODE", "garbage", "HOST_INDEX", "7", "HOSTS", "10.6.6.6"));
        garbage.putAll(Map.of("host_ip", "127.0.0.2", "host_index", 1, "hosts", List.of("127.0.0.3", "127.0.0.2", "127.0.0.4")));
        assertEquals("succeeded", host2.runToEnd("install", garbage).get("state").asText());
        assertEquals("succeeded", host2.runToEnd("start", garbage).get("state").asText());
        List<String> env = Files.readAllLines(host2.home.resolve("apps/database/garbage/started-env"));
        assertTrue(env.containsAll(List.of("APP_NAME=garbage", "APP_TYPE=database", "CHECK_MODE=garbage")), env.toString());
        assertTrue(env.contains("APP_HOME=" + host2.home.resolve("apps/database/garbage")), env.toString());
        assertTrue(env.contains("REPO_URL=" + repo.url("lab")), env.toString());
        assertTrue(env.containsAll(List.of("HOST_IP=127.0.0.2", "HOST_INDEX=1", "HOSTS=127.0.0.3,127.0.0.2,127.0.0.4")),
                "the host's place, and the agent's values over metadata's: " + env);
        assertTrue(env.stream().noneMatch(line -> line.contains(SECRET)), "the agent's secret reached a script");
        JsonNode verdict = host2.post("/check", garbage).body().get("last_check");
        assertEquals("1", verdict.get("code").asText());
        assertTrue(verdict.get("msg").asText().contains("no {\"code\",\"msg\"} verdict"), verdict.toString());
        assertTrue(verdict.get("msg").asText().contains("all good, probably"));
        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.reportsFor("garbage").stream()
                .anyMatch(r -> r.code().equals("1") && r.msg().contains("verdict")));

        Map<String, Object> failing = lab("garbage", Map.of("CHECK_MODE", "fail"));
        JsonNode failed = host2.post("/check", failing).body().get("last_check");
        assertEquals("1", failed.get("code").asText(), "exit 2 is unhealthy even though it printed code 0");
        assertTrue(failed.get("msg").asText().contains("exited 2"), failed.toString());
    }

    @Test
    void aSecondActionWhileOneRunsIsRefusedClearly() throws Exception {
        Map<String, Object> slow = lab("busy", Map.of("INSTALL_MODE", "slow", "INSTALL_SECONDS", "3"));
        var first = host2.post("/install", slow);
        assertEquals(202, first.status());
        var second = host2.post("/uninstall", slow);
        assertEquals(409, second.status());
        assertTrue(second.body().get("detail").asText().contains(first.body().get("id").asText()), second.body().toString());
        assertEquals("succeeded", host2.awaitOperation(first.body().get("id").asText()).get("state").asText());
        // Other applications were never held up.
        assertEquals("succeeded", host2.runToEnd("install", lab("neighbour", Map.of())).get("state").asText());
    }

    @Test
    void anOperationIdSentAgainIsTheSameOperationAndRunsNothing() throws Exception {
        Map<String, Object> slow = lab("once", Map.of("INSTALL_MODE", "slow", "INSTALL_SECONDS", "3"));
        slow.put("operation_id", "op-once-1");
        var first = host2.post("/install", slow);
        assertEquals(202, first.status(), first.body().toString());
        assertEquals("op-once-1", first.body().get("id").asText());
        var whileRunning = host2.post("/install", slow);
        assertEquals(202, whileRunning.status());
        assertEquals(first.body(), whileRunning.body(), "the same id while it runs is the running operation");
        Map<String, Object> other = lab("once", Map.of());
        other.put("operation_id", "op-once-other");
        assertEquals(409, host2.post("/uninstall", other).status(), "another operation while one runs");
        JsonNode finished = host2.awaitOperation("op-once-1");
        assertEquals("succeeded", finished.get("state").asText());
        var afterwards = host2.post("/install", slow);
        assertEquals(202, afterwards.status());
        assertEquals(finished, afterwards.body(), "the same id once finished is the finished operation");
        Path runs = host2.home.resolve("apps/database/once/install-runs");
        assertEquals(1, Files.readAllLines(runs).size(), "the install script ran again");

        slow.put("operation_id", "op-once-2");
        assertEquals("succeeded", host2.runToEnd("install", slow).get("state").asText());
        assertEquals(2, Files.readAllLines(runs).size(), "a new id is a new operation");

        for (String bad : List.of("", "..", "a/b", "a b", "x".repeat(65))) {
            slow.put("operation_id", bad);
            var refused = host2.post("/install", slow);
            assertEquals(400, refused.status(), bad);
            assertEquals("operation_id", refused.body().at("/errors/0/field").asText(), refused.body().toString());
        }
        assertEquals(2, Files.readAllLines(runs).size());
    }

    @Test
    void forgettingAnApplicationMidActionTakesEffectWhenTheActionEnds() throws Exception {
        Map<String, Object> slow = lab("forgotten", Map.of("INSTALL_MODE", "slow", "INSTALL_SECONDS", "3"));
        String id = host2.post("/install", slow).body().get("id").asText();
        Path appHome = host2.home.resolve("apps/database/forgotten");
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(appHome.resolve("install-runs")));

        var forget = host2.send("DELETE", "/apps/database/forgotten", null, SECRET);
        assertEquals(200, forget.status(), forget.body().toString());
        assertTrue(forget.body().get("forgotten").asBoolean());
        assertEquals(200, host2.get("/apps/database/forgotten").status(), "still known while its install runs");

        await().atMost(Duration.ofSeconds(20)).until(() -> receiver.resultsFor("forgotten").stream()
                .anyMatch(r -> r.id().equals(id) && r.operation().get("state").asText().equals("succeeded")));
        assertEquals(404, host2.get("/apps/database/forgotten").status());
        assertEquals(404, host2.get("/operations/" + id).status());
        assertFalse(Files.exists(host2.home.resolve("agent/database/forgotten")), "its record or logs were left behind");
        assertTrue(Files.exists(appHome.resolve("installed-marker")), "forgetting leaves the application's files alone");
        Thread.sleep(3000); // three check intervals
        assertEquals(List.of(), receiver.reportsFor("forgotten"), "a check loop ran for a forgotten application");
    }

    @Test
    void badRequestsAreRefusedAndRunNothing() throws Exception {
        Map<String, Object> traversal = lab("evil", Map.of());
        traversal.put("install", "../../bin/sh");
        var answer = host2.post("/install", traversal);
        assertEquals(400, answer.status());
        assertEquals("install", answer.body().at("/errors/0/field").asText());
        Map<String, Object> badEnv = lab("evil", Map.of("NOT VALID", "x"));
        assertEquals(400, host2.post("/install", badEnv).status());
        assertEquals(404, host2.post("/dance", lab("evil", Map.of())).status());
        assertEquals(400, host2.send("POST", "/install", "{\"name\": ", SECRET).status());
        assertEquals(404, host2.get("/operations/nope").status());
        // A valid request without the host's secret, or with another: refused, and nothing runs.
        String valid = new ObjectMapper().writeValueAsString(lab("unauthorized", Map.of()));
        assertEquals(401, host2.send("POST", "/install", valid, null).status(), "no secret");
        assertEquals(401, host2.send("POST", "/install", valid, "wrong").status(), "wrong secret");
        assertEquals(401, host2.send("GET", "/apps/database/unauthorized", null, "wrong").status());
        assertFalse(Files.exists(host2.home.resolve("apps/database/unauthorized")));
        assertFalse(Files.exists(host2.home.resolve("apps/database/evil")));
    }

    @Test
    void twoHostsOnTwoAddressesKeepTheirOwnApplications() throws Exception {
        try (AgentProcess host3 = AgentProcess.start("127.0.0.3", work.resolve("host3"), null,
                Map.of("AGENT_INSECURE", "true"), "agent-127.0.0.3.log")) {
            assertEquals("succeeded", host3.runToEnd("install", lab("on-three", Map.of())).get("state").asText());
            assertEquals("succeeded", host2.runToEnd("install", lab("on-two", Map.of())).get("state").asText());
            assertEquals(200, host3.get("/apps/database/on-three").status());
            assertEquals(404, host3.get("/apps/database/on-two").status());
            assertEquals(404, host2.get("/apps/database/on-three").status());
        }
    }

    @Test
    void aKilledAgentResumesWithoutDisturbingItsApplications() throws Exception {
        Path home = work.resolve("crash-host");
        try (AgentProcess agent = AgentProcess.start("127.0.0.4", home, null, Map.of("AGENT_INSECURE", "true"), "agent-crash.log")) {
            int webPort = AgentProcess.freePort("127.0.0.4");
            Map<String, Object> site = AgentProcess.request("site-c", "middleware", repo.url("webapp"), "webapp",
                    Map.of("WEB_BIND", "127.0.0.4", "WEB_PORT", String.valueOf(webPort)), receiver.port());
            site.put("operation_id", "site-c-install");
            assertEquals("succeeded", agent.runToEnd("install", site).get("state").asText());
            site.remove("operation_id");
            assertEquals("succeeded", agent.runToEnd("start", site).get("state").asText());
            long serverPid = Long.parseLong(Files.readString(home.resolve("apps/middleware/site-c/server.pid")).trim());

            Map<String, Object> midRun = lab("mid-run", Map.of("INSTALL_MODE", "slow", "INSTALL_SECONDS", "30"));
            midRun.put("operation_id", "mid-run-install");
            String operation = agent.post("/install", midRun).body().get("id").asText();
            Path runs = home.resolve("apps/database/mid-run/install-runs");
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(runs));
            agent.kill();
            assertTrue(ProcessHandle.of(serverPid).map(ProcessHandle::isAlive).orElse(false), "the web server died with the agent");

            agent.restart();
            JsonNode interrupted = agent.get("/operations/" + operation).body();
            assertEquals("interrupted", interrupted.get("state").asText(), interrupted.toString());
            assertTrue(interrupted.get("reason").asText().contains("agent stopped"));
            // Sent again after the restart, both operations are answered from the records; neither script runs again.
            assertEquals(interrupted, agent.post("/install", midRun).body());
            site.put("operation_id", "site-c-install");
            assertEquals("succeeded", agent.post("/install", site).body().get("state").asText());
            site.remove("operation_id");
            Thread.sleep(1000);
            assertEquals(1, Files.readAllLines(runs).size(), "the interrupted install ran again");
            assertTrue(fetch("http://127.0.0.4:" + webPort + "/index.html").contains("test site"));
            int before = receiver.reportsFor("site-c").size();
            await().atMost(Duration.ofSeconds(20)).until(() -> receiver.reportsFor("site-c").stream().skip(before)
                    .anyMatch(r -> r.code().equals("0")));
            assertEquals("succeeded", agent.runToEnd("uninstall", site).get("state").asText());
            assertFalse(listening("127.0.0.4", webPort));
        }
    }

    @Test
    void aHostsVerdictsTravelTogetherAndAreRepeatedAtTheReportInterval() throws Exception {
        try (AgentProcess agent = AgentProcess.start("127.0.0.190", work.resolve("report-host"), null,
                Map.of("AGENT_INSECURE", "true", "AGENT_REPORT_INTERVAL", "2s"), "agent-reports.log")) {
            List<String> names = List.of("batch-a", "batch-b");
            for (String name : names) {
                Map<String, Object> app = lab(name, Map.of());
                app.put("host_ip", "127.0.0.190");
                app.put("check_interval", 60); // repeats come from the report interval, not from checks
                assertEquals("succeeded", agent.runToEnd("install", app).get("state").asText());
                assertEquals("succeeded", agent.runToEnd("start", app).get("state").asText());
            }
            // Starting made each healthy: a change, sent at once, both verdicts in one host report after that.
            await().atMost(Duration.ofSeconds(10)).until(() -> names.stream().allMatch(n -> receiver.reportsFor(n).stream()
                    .anyMatch(r -> r.code().equals("0") && r.hostReport() > 0)));
            int seen = receiver.reportsFor("batch-a").size();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.reportsFor("batch-a").size() >= seen + 2);
            List<ReportReceiver.Report> repeats = receiver.reportsFor("batch-a").stream().skip(seen).toList();
            for (ReportReceiver.Report repeat : repeats) {
                assertEquals("marker present", repeat.msg());
                assertTrue(repeat.hostReport() > 0, "sent per application: " + repeat);
                assertTrue(receiver.reportsFor("batch-b").stream().anyMatch(b -> b.hostReport() == repeat.hostReport()),
                        "batch-b was not in host report " + repeat.hostReport());
            }
            for (String name : names) {
                assertEquals("succeeded", agent.runToEnd("uninstall", lab(name, Map.of())).get("state").asText());
            }
        }
    }

    /**
     * A restart leaves the verdict as it was (healthy before, healthy after), so no change sends it; and a verdict that
     * reached the apiserver while the restart ran may predate the old process's stop, so the apiserver waits for one
     * after the result. The agent sends that one at once, not a report interval later.
     */
    @Test
    void aRestartIsConfirmedHealthyRightAfterItsResult() throws Exception {
        int webPort = AgentProcess.freePort("127.0.0.2");
        try (AgentProcess agent = AgentProcess.start("127.0.0.191", work.resolve("restart-host"), null,
                Map.of("AGENT_INSECURE", "true", "AGENT_REPORT_INTERVAL", "60s"), "agent-restart.log")) {
            Map<String, Object> app = webapp("site-r", webPort);
            app.put("host_ip", "127.0.0.191");
            app.put("check_interval", 60); // neither checks nor reports repeat within this test
            assertEquals("succeeded", agent.runToEnd("install", app).get("state").asText());
            assertEquals("succeeded", agent.runToEnd("start", app).get("state").asText());
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.reportsFor("site-r").stream()
                    .anyMatch(r -> r.code().equals("0")));

            String restartId = agent.runToEnd("restart", app).get("id").asText();
            await().atMost(Duration.ofSeconds(10)).until(() -> receiver.resultsFor("site-r").stream()
                    .anyMatch(r -> r.id().equals(restartId)));
            long resultAt = receiver.resultsFor("site-r").stream().filter(r -> r.id().equals(restartId))
                    .mapToLong(ReportReceiver.Result::atNanos).min().orElseThrow();
            await().atMost(Duration.ofSeconds(15)).until(() -> receiver.reportsFor("site-r").stream()
                    .anyMatch(r -> r.atNanos() > resultAt && r.code().equals("0") && r.hostReport() > 0));
            assertTrue(fetch("http://127.0.0.2:" + webPort + "/index.html").contains("paas-operator test site"));
            assertEquals("succeeded", agent.runToEnd("uninstall", app).get("state").asText());
        }
    }

    /**
     * An apiserver that moved (another address or port) hears nothing from the agent, and probes it: from that probe on,
     * the application's reports go to where the apiserver is now, not to where its last action said.
     */
    @Test
    void aProbeFromAMovedApiserverSendsTheReportsThere() throws Exception {
        Map<String, Object> app = lab("moving-lab", Map.of());
        assertEquals("succeeded", host2.runToEnd("install", app).get("state").asText());
        assertEquals("succeeded", host2.runToEnd("start", app).get("state").asText());
        await().atMost(Duration.ofSeconds(20)).until(() -> !receiver.reportsFor("moving-lab").isEmpty());
        try (ReportReceiver moved = new ReportReceiver()) {
            Map<String, Object> probe = lab("moving-lab", Map.of());
            probe.put("operator_port", String.valueOf(moved.port()));
            assertEquals(200, host2.post("/check", probe).status());
            await().atMost(Duration.ofSeconds(20)).until(() -> moved.reportsFor("moving-lab").stream()
                    .anyMatch(r -> r.code().equals("0")));
            // Checks every second, so a second way to the old address would show within a few.
            Thread.sleep(1500);
            int old = receiver.reportsFor("moving-lab").size();
            int now = moved.reportsFor("moving-lab").size();
            await().atMost(Duration.ofSeconds(20)).until(() -> moved.reportsFor("moving-lab").size() >= now + 2);
            assertEquals(old, receiver.reportsFor("moving-lab").size(), "reports still go to the old address");
            assertEquals("succeeded", host2.runToEnd("uninstall", probe).get("state").asText());
        }
    }

    @Test
    void theAgentRefusesToStartWithoutASecret() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", AgentProcess.JAR.toAbsolutePath().toString());
        builder.environment().keySet().removeIf(k -> k.startsWith("AGENT_"));
        builder.environment().put("AGENT_BIND", "127.0.0.5");
        builder.environment().put("AGENT_PORT", String.valueOf(AgentProcess.freePort("127.0.0.5")));
        builder.environment().put("AGENT_HOME", work.resolve("no-secret").toString());
        Process process = builder.redirectErrorStream(true).start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "it should exit");
        String output = new String(process.getInputStream().readAllBytes());
        assertNotEquals(0, process.exitValue());
        assertTrue(output.contains("AGENT_SECRET is not set"), output);
    }

    private static List<ProcessHandle> sleepers(String token) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(args -> List.of(args).contains(token)).orElse(false))
                .toList();
    }

    private static String fetch(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    private static boolean listening(String ip, int port) {
        try (Socket ignored = new Socket(ip, port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String sha256(Path file) throws Exception {
        return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
