package io.paasoperator.apiserver.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.testing.LocalSystem;
import io.paasoperator.apiserver.testing.SshTestHost;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Fault drills on the whole system (issue 12): the packaged apiserver on a real PostgreSQL, an agent it installed
 * over SSH on 127.0.0.2, and an application — a long-running process its start script left behind — under that
 * agent. The agent is killed and frozen; the application must live on untouched, no script run again, the resource
 * come back to {@code running}. Prints its figures ({@code DRILL ...}). Kills of the apiserver mid-install are
 * ReconcileEndToEndIT's.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultDrillsIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private static final String KIND = "middleware";
    private static final String NAME = "drilled";
    /** Short, so that the freeze drill takes seconds; the agents check every second (LocalSystem), the floor is 3 s. */
    private static final Duration SILENCE = Duration.ofSeconds(4);
    private static final int KILLS = 20;
    /** Bounds on each recovery: far above what it takes, so that only a system that does not recover fails them. */
    private static final Duration BACK_WITHIN = Duration.ofSeconds(60);

    static LocalSystem system;
    static SshTestHost host;
    static long appPid;
    /** The operations the set-up ran (install, start): a drill that caused an action would add one. */
    static Set<String> setUpOperations;

    @BeforeAll
    static void startTheSystemWithARunningApplication() throws Exception {
        system = LocalSystem.start("drills", Map.of("PAAS_RECONCILE_REPORT_SILENCE", SILENCE.toSeconds() + "s"));
        host = system.host2;
        system.create(KIND, NAME, host, "daemon", Map.of());
        system.put(KIND, NAME, "running");
        waitFor(Duration.ofSeconds(120), NAME + " running", () -> realtime().equals("running"));
        appPid = Long.parseLong(Files.readString(appHome().resolve("app.pid")).trim());
        assertScriptsRanOnlyTheFirstInstallAndStart();
        // A healthy report may confirm the start before the start's own result is recorded: wait for its event.
        waitFor(Duration.ofSeconds(30), "the start's result recorded", () -> operations().size() >= 2);
        setUpOperations = operations();
        assertEquals(2, setUpOperations.size(), "install and start: " + setUpOperations);
    }

    @AfterAll
    static void stopTheSystem() throws Exception {
        if (system != null) {
            system.close();
        }
    }

    @Test
    @Order(1)
    void anAgentKilledTwentyTimesLeavesItsApplicationAloneAndComesBack() throws Exception {
        List<Long> answering = new ArrayList<>();
        List<Long> heard = new ArrayList<>();
        int sshCommandsBefore = host.commands.size();
        long drillStarted = System.nanoTime();
        for (int kill = 1; kill <= KILLS; kill++) {
            ProcessHandle agent = agentProcess();
            Instant killedAt = Instant.now();
            long killed = System.nanoTime();
            assertTrue(agent.destroyForcibly(), "SIGKILL to the agent");
            agent.onExit().get(10, TimeUnit.SECONDS);
            answering.add(waitFor(BACK_WITHIN, "the agent answering after kill " + kill, FaultDrillsIT::agentAnswers) - killed);
            // Running on the word of a report sent after the kill: the restarted agent's, not a stale one.
            heard.add(waitFor(BACK_WITHIN, NAME + " running on a fresh report after kill " + kill, () -> {
                JsonNode state = hostState();
                return state.path("realtime").asText().equals("running")
                        && state.has("last_report_at") && Instant.parse(state.get("last_report_at").asText()).isAfter(killedAt);
            }) - killed);
            assertNotEquals(agent.pid(), agentProcess().pid(), "a new agent process");
            assertTrue(ProcessHandle.of(appPid).map(ProcessHandle::isAlive).orElse(false), "the application died with the agent");
            assertEquals(String.valueOf(appPid), Files.readString(appHome().resolve("app.pid")).trim());
            assertScriptsRanOnlyTheFirstInstallAndStart();
        }
        long drillTook = System.nanoTime() - drillStarted;
        assertEquals(setUpOperations, operations(), "actions the apiserver ran");
        // Its keeper restarts a killed agent within seconds: no reason to log in over SSH and install it again.
        assertEquals(sshCommandsBefore, host.commands.size(), "SSH commands meanwhile: " + host.commands.subList(sshCommandsBefore,
                host.commands.size()));
        assertNoInternalErrors();
        long wentUnknown = events().stream().filter(e -> e.has("host") && e.path("to").asText().equals("unknown")).count();
        // A probe that found no agent counts as a failure of the host and leaves its error: what the kills left behind.
        JsonNode after = hostState();
        System.out.printf("DRILL agent-kill: %d kills in %.1f s; agent answering again after %s; %s running on a fresh report"
                        + " after %s; went unknown %d times; app pid %d unchanged; no SSH command;"
                        + " no script ran; host failure_count %d after (last_error: %s)%n", KILLS,
                seconds(drillTook), figures(answering), NAME, figures(heard), wentUnknown, appPid,
                after.path("failure_count").asInt(), after.path("last_error").asText("none"));
    }

    @Test
    @Order(2)
    void aFrozenAgentMakesItsApplicationUnknownAndRunningAgainOnceItResumes() throws Exception {
        waitFor(BACK_WITHIN, NAME + " running before the freeze", () -> realtime().equals("running"));
        ProcessHandle agent = agentProcess();
        int sshCommandsBefore = host.commands.size();
        long frozen;
        long unknownAfter;
        long resumed;
        try {
            signal("STOP", agent.pid());
            frozen = System.nanoTime();
            unknownAfter = waitFor(SILENCE.multipliedBy(8), NAME + " unknown while its agent is frozen",
                    () -> realtime().equals("unknown")) - frozen;
            // Time for the apiserver's probe of the frozen agent to start: getting no answer must change nothing.
            Thread.sleep(3000);
            assertEquals("unknown", realtime(), "nothing should answer for a frozen agent");
        } finally {
            signal("CONT", agent.pid());
            resumed = System.nanoTime();
        }
        long runningAfter = waitFor(BACK_WITHIN, NAME + " running after its agent resumed", () -> realtime().equals("running"))
                - resumed;
        // The last report came at most a check interval (1 s) before the freeze: unknown any sooner is a false alarm.
        assertTrue(unknownAfter >= SILENCE.minusSeconds(1).toNanos(),
                "unknown " + seconds(unknownAfter) + " s after SIGSTOP, before the report silence had passed");
        assertEquals(agent.pid(), agentProcess().pid(), "the frozen agent was resumed, not replaced");
        assertTrue(ProcessHandle.of(appPid).map(ProcessHandle::isAlive).orElse(false), "the application is gone");
        assertScriptsRanOnlyTheFirstInstallAndStart();
        assertEquals(setUpOperations, operations(), "actions the apiserver ran");
        assertNoInternalErrors();
        System.out.printf("DRILL agent-freeze: %s unknown %.1f s after SIGSTOP (report silence %d s); running %.2f s after"
                        + " SIGCONT; %d SSH commands meanwhile; app pid %d unchanged; no script ran%n", NAME,
                seconds(unknownAfter), SILENCE.toSeconds(), seconds(runningAfter), host.commands.size() - sshCommandsBefore,
                appPid);
    }

    // ---- the host, looked at directly ----------------------------------------------------------------

    private static Path appHome() {
        return host.appHome(KIND, NAME);
    }

    /** One install and one start, from the set-up: the count each action script of the daemon set keeps. */
    private static void assertScriptsRanOnlyTheFirstInstallAndStart() throws IOException {
        assertEquals(List.of(1L, 1L, 0L, 0L), List.of(runs("install"), runs("start"), runs("stop"), runs("uninstall")),
                "runs of install, start, stop, uninstall");
    }

    private static long runs(String script) throws IOException {
        Path count = appHome().resolve(script + "-count");
        return Files.exists(count) ? Files.readAllLines(count).size() : 0;
    }

    /**
     * The agent's JVM: the child of its keeper (agentctl keep, pid in agent.pid), once the keeper has started one.
     * {@code agentctl run} execs the launcher, which execs java: the child is the agent itself.
     */
    private static ProcessHandle agentProcess() throws Exception {
        ProcessHandle[] found = new ProcessHandle[1];
        waitFor(BACK_WITHIN, "an agent process under its keeper", () -> {
            long keeper = Long.parseLong(Files.readString(host.agentHome().resolve("agent.pid")).trim());
            found[0] = ProcessHandle.of(keeper).stream().flatMap(ProcessHandle::children)
                    .filter(p -> p.info().command().map(c -> c.endsWith("/java")).orElse(false)).findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    private static boolean agentAnswers() throws Exception {
        HttpRequest version = HttpRequest.newBuilder(URI.create("http://" + host.ip + ":" + host.agentPort + "/version"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return HTTP.send(version, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException notYet) {
            return false;
        }
    }

    private static void signal(String signal, long pid) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(pid)).inheritIO().start();
        assertTrue(kill.waitFor(10, TimeUnit.SECONDS) && kill.exitValue() == 0, "kill -" + signal + " " + pid);
    }

    // ---- the REST API; any 500 is a failure ---------------------------------------------------------------

    private static JsonNode get(String path) throws Exception {
        HttpResponse<String> answer = system.apiserver.send("GET", path, null);
        assertEquals(200, answer.statusCode(), "GET " + path + ": " + answer.body());
        return JSON.readTree(answer.body());
    }

    private static String realtime() throws Exception {
        return get("/apis/v1alpha1/" + KIND + "/" + NAME + "/status").at("/status/realtime").asText();
    }

    private static JsonNode hostState() throws Exception {
        return get("/apis/v1alpha1/" + KIND + "/" + NAME).at("/detail/hosts/0");
    }

    private static List<JsonNode> events() throws Exception {
        List<JsonNode> events = new ArrayList<>();
        get("/apis/v1alpha1/" + KIND + "/" + NAME + "/events?limit=1000").forEach(events::add);
        return events;
    }

    /** The operation ids of the actions in the resource's history. */
    private static Set<String> operations() throws Exception {
        return events().stream().filter(e -> e.path("type").asText().equals("action"))
                .map(e -> e.path("operation_id").asText()).collect(Collectors.toSet());
    }

    /** Every 500 the apiserver answers, to a client or to an agent's report, is logged with an incident id. */
    private static void assertNoInternalErrors() throws IOException {
        List<String> incidents = Files.readAllLines(system.apiserver.log()).stream()
                .filter(line -> line.contains("request failed, incident")).toList();
        assertEquals(List.of(), incidents, "the apiserver answered 500");
    }

    // ---- time --------------------------------------------------------------------------------------------

    /** Polls {@code condition} until it holds, at most {@code limit}; returns System.nanoTime() when it did. */
    private static long waitFor(Duration limit, String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (true) {
            if (condition.call()) {
                return System.nanoTime();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError(what + ": not within " + limit.toSeconds() + " s");
            }
            Thread.sleep(50);
        }
    }

    private static String figures(List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        return String.format("min/median/max %.2f/%.2f/%.2f s", seconds(sorted.get(0)), seconds(sorted.get(sorted.size() / 2)),
                seconds(sorted.get(sorted.size() - 1)));
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }
}
