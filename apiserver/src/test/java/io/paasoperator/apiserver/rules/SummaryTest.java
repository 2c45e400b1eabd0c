package io.paasoperator.apiserver.rules;

import static io.paasoperator.apiserver.rules.StateMachineTest.NOW;
import static io.paasoperator.apiserver.rules.StateMachineTest.SILENCE;
import static io.paasoperator.apiserver.rules.StateMachineTest.TIMING;
import static io.paasoperator.apiserver.rules.StateMachineTest.desired;
import static io.paasoperator.apiserver.rules.StateMachineTest.host;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.paasoperator.apiserver.rules.HostState.Planned;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SummaryTest {

    static List<HostState> hosts(String states) {
        List<HostState> hosts = new ArrayList<>();
        String[] each = states.split(" ");
        for (int i = 0; i < each.length; i++) {
            hosts.add(host("10.0.0." + (i + 1), each[i]));
        }
        return hosts;
    }

    /** SPEC.md §4: the hosts' common state; else failed, then unknown, then transitional, then furthest from expect. */
    @ParameterizedTest(name = "expect {0}, hosts {1} -> {2}")
    @CsvSource({
            "running,       running running running,           running",
            "running,       running failed running,            failed",
            "running,       unknown failed running,            failed",
            "running,       running unknown stopped,           unknown",
            "running,       running starting stopped,          starting",
            "running,       stopping running installing,       stopping",
            "running,       running stopped,                   stopped",
            "running,       running not-installed stopped,     not-installed",
            "stopped,       stopped running,                   running",
            "not-installed, not-installed stopped running,     running",
            "not-installed, not-installed not-installed,       not-installed",
            "stopped,       not-installed,                     not-installed",
    })
    void theResourceShowsItsWorstHost(String expect, String states, String summary) {
        assertEquals(RealtimeState.fromWire(summary), Summary.realtime(desired(expect), hosts(states)));
    }

    @Test
    void hostsBeingRemovedDoNotCountAndADeletionReadsUninstalling() {
        List<HostState> hosts = new ArrayList<>(hosts("running running"));
        hosts.add(host("10.0.0.9", "failed").asRemoving());
        assertEquals(RealtimeState.RUNNING, Summary.realtime(desired("running"), hosts));
        Desired deleting = new Desired(ExpectedState.NOT_INSTALLED, 1, 1, true, true);
        assertEquals(RealtimeState.UNINSTALLING, Summary.realtime(deleting, hosts("stopped not-installed")));
        assertEquals(RealtimeState.NOT_INSTALLED, Summary.realtime(deleting, hosts("not-installed not-installed")));
    }

    @Test
    void dueIsNowWhenAStepCanBeTakenElseTheEarliestWait() {
        assertEquals(NOW, Summary.dueAt(desired("running"), hosts("running stopped"), NOW, TIMING, SILENCE));
        // Converged: the earliest report-silence deadline.
        assertEquals(NOW.plus(SILENCE), Summary.dueAt(desired("running"), hosts("running running"), NOW, TIMING, SILENCE));
        // Nothing installed, nothing wanted: nothing comes due by itself.
        assertNull(Summary.dueAt(desired("not-installed"), hosts("not-installed"), NOW, TIMING, SILENCE));
        HostState backingOff = host("10.0.0.1", "failed").withFailures(Action.START, 3, "x", NOW.plusSeconds(16));
        assertEquals(NOW.plusSeconds(16), Summary.dueAt(desired("running"), List.of(backingOff), NOW, TIMING, SILENCE));
        // An action in flight: its agent's next ask for the result, long before the deadline; the deadline once past it.
        HostState installing = host("10.0.0.1", "installing")
                .withInFlight(new HostState.InFlight(Action.INSTALL, "op-1", NOW.minusSeconds(40), NOW.plusSeconds(1790), 1));
        assertEquals(NOW.plusSeconds(50), Summary.dueAt(desired("running"), List.of(installing), NOW, TIMING, SILENCE));
        assertEquals(NOW.plusSeconds(1790), Summary.dueAt(desired("running"), List.of(installing), NOW.plusSeconds(1700), TIMING,
                SILENCE));
    }

    @Test
    void aRollOutShowsItsProgressAndWhyItPaused() {
        Desired v2 = new Desired(ExpectedState.RUNNING, 2, 1, true, false);
        HostState done = host("10.0.0.1", "running").withGeneration(2);
        HostState failed = host("10.0.0.2", "failed").withGeneration(2).withPlanned(Planned.ROLLOUT)
                .withFailures(Action.START, 1, "start.sh exited 1", null);
        HostState waiting = host("10.0.0.3", "running");
        Summary.Rollout rollout = Summary.rollout(v2, Arrays.asList(done, failed, waiting));
        assertEquals(new Summary.Rollout(2, 1, 2, 3, List.of("10.0.0.2"), true, "10.0.0.2: start.sh exited 1"), rollout);
        assertNull(Summary.rollout(v2, List.of(done)));
    }
}
