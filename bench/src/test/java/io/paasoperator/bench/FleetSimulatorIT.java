package io.paasoperator.bench;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.itsupport.PackagedApiserver;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fleet simulator against the real packaged apiserver and its own PostgreSQL, over real HTTP on loopback: a few
 * simulated hosts registered as agents installed by other means (never bootstrapped), resources that reach running
 * through them, a host whose every action fails shown failed with the agent's reason, and health reports that keep
 * the resources running (silence, and only silence, makes them unknown).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FleetSimulatorIT {

    private static final int HOSTS = 4;
    private static final int RESOURCES_PER_HOST = 2;
    /** The fourth host fails every action. */
    private static final int FAILING_HOST = 3;
    private static final Duration REPORT_INTERVAL = Duration.ofSeconds(1);
    /** Short, so that what reports prevent is seen within the test. */
    private static final Duration REPORT_SILENCE = Duration.ofSeconds(3);
    private static final Duration CONVERGE = Duration.ofSeconds(30);

    static PackagedApiserver apiserver;
    static FleetSimulator fleet;
    static FleetApi api;

    @BeforeAll
    static void startApiserverAndFleet() throws Exception {
        apiserver = PackagedApiserver.start("fleet-simulator-it-apiserver.log", Map.of("QUARKUS_HTTP_HOST", "127.0.0.221",
                "OPERATOR_IP", "127.0.0.221", "PAAS_RECONCILE_REPORT_SILENCE", REPORT_SILENCE.toSeconds() + "s"));
        fleet = FleetSimulator.start(FleetSimulator.Settings.of(HOSTS, 200).withActionDuration(Duration.ofMillis(200))
                .withReportInterval(REPORT_INTERVAL).withReportMode(FleetSimulator.ReportMode.BATCH));
        api = new FleetApi(apiserver.baseUrl(), apiserver.token);
    }

    @AfterAll
    static void stop() throws Exception {
        if (fleet != null) {
            fleet.close();
        }
        if (apiserver != null) {
            apiserver.close();
        }
    }

    @Test
    @Order(1)
    void registeredHostsRunTheirResourcesAndAreNeverBootstrapped() throws Exception {
        fleet.failureRate(ip(FAILING_HOST), 1.0);
        for (String ip : fleet.ips()) {
            HttpResponse<String> registered = api.register(ip, fleet.settings().agentPort(), fleet.secret(ip));
            assertEquals(200, registered.statusCode(), registered.body());
            assertTrue(FleetApi.read(registered.body()).path("registered").asBoolean(), registered.body());
        }
        for (String name : names()) {
            HttpResponse<String> created = api.createRunning(kind(name), name, ip(hostOf(name)), fleet.settings().agentPort(),
                    REPORT_INTERVAL);
            assertEquals(201, created.statusCode(), created.body());
        }

        for (String name : names()) {
            if (hostOf(name) != FAILING_HOST) {
                await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(name + " running")
                        .until(() -> realtime(name).equals("running"));
            }
        }
        for (int host = 0; host < HOSTS; host++) {
            JsonNode record = api.get("/hosts/" + ip(host));
            assertTrue(record.path("registered").asBoolean(), record.toString());
            // What the simulated agent answered when verified; no account or install time: nothing was installed.
            assertEquals("fleet-simulator", record.at("/agent/build").asText(), record.toString());
            assertTrue(record.at("/agent/installed_at").isMissingNode() && record.at("/agent/account").isMissingNode(),
                    "an agent was installed: " + record);
        }
        for (String name : names()) {
            assertEquals(List.of(), events(name).stream().filter(e -> e.path("type").asText().equals("bootstrap")).toList(),
                    "bootstrap events for " + name);
        }
        assertFalse(Files.readString(apiserver.log).contains("installing the agent on 127.1."), "a bootstrap was logged");
    }

    @Test
    @Order(2)
    void anActionThatFailsShowsFailedWithTheAgentsReason() {
        for (String name : names()) {
            if (hostOf(name) == FAILING_HOST) {
                await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(name + " failed")
                        .until(() -> realtime(name).equals("failed"));
                JsonNode host = api.get("/" + kind(name).wire() + "/" + name).at("/detail/hosts/0");
                assertTrue(host.path("last_error").asText().contains("install script exited 1"), host.toString());
                assertTrue(host.path("failure_count").asInt() >= 1, host.toString());
            }
        }
    }

    @Test
    @Order(3)
    void reportsKeepThemRunningAndTheirSilenceIsNoticed() throws Exception {
        // Reports for two silences: without them every host would turn unknown (and be probed) meanwhile.
        long takenBefore = fleet.stats().reportsTaken.sum();
        Thread.sleep(REPORT_SILENCE.multipliedBy(2).toMillis());
        long taken = fleet.stats().reportsTaken.sum() - takenBefore;
        // Batch reports: one per interval from each host with installed applications (not the failing one). At least
        // half of those due in that time, the machine being loaded.
        int reportingHosts = HOSTS - 1;
        long due = reportingHosts * REPORT_SILENCE.multipliedBy(2).toSeconds() / REPORT_INTERVAL.toSeconds();
        assertTrue(taken >= due / 2, "too few reports taken: " + taken + " of " + due + " due");
        assertEquals(0, fleet.stats().reportsRefused.sum(), "refused: " + fleet.stats().lastRefusal);
        assertEquals(0, fleet.stats().verdictsIgnored.sum(), "verdicts the apiserver ignored");
        for (String name : names()) {
            if (hostOf(name) != FAILING_HOST) {
                assertEquals("running", realtime(name), name);
                assertEquals(List.of(), unknownEvents(name), name + " turned unknown while it reported");
            }
        }

        // Silence: the apiserver notices it (unknown, then a probe of the agent, which says running).
        fleet.reporting(false);
        String watched = names().get(0);
        await().atMost(CONVERGE).pollInterval(Duration.ofMillis(200)).alias(watched + " unknown after silence")
                .until(() -> !unknownEvents(watched).isEmpty());
        fleet.reporting(true);
        assertFalse(Files.readString(apiserver.log).contains("request failed, incident"), "a 500; see " + apiserver.log);
    }

    // ---- helpers -----------------------------------------------------------------------------------------------

    private static String ip(int host) {
        return FleetSimulator.address(200, host);
    }

    private static List<String> names() {
        List<String> names = new ArrayList<>();
        for (int host = 0; host < HOSTS; host++) {
            for (int r = 0; r < RESOURCES_PER_HOST; r++) {
                names.add("sim-" + host + "-" + r);
            }
        }
        return names;
    }

    private static int hostOf(String name) {
        return Integer.parseInt(name.split("-")[1]);
    }

    private static ResourceKind kind(String name) {
        return FleetBenchmark.kindOf(Integer.parseInt(name.split("-")[2]));
    }

    private static String realtime(String name) {
        return api.get("/" + kind(name).wire() + "/" + name + "/status").at("/status/realtime").asText();
    }

    private static List<JsonNode> events(String name) {
        JsonNode events = api.get("/" + kind(name).wire() + "/" + name + "/events?limit=1000");
        return StreamSupport.stream(events.spliterator(), false).toList();
    }

    private static List<JsonNode> unknownEvents(String name) {
        return events(name).stream().filter(e -> e.path("to").asText().equals("unknown")).toList();
    }
}
