package io.paasoperator.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * The fleet benchmark as Maven runs it: {@code ./mvnw -B verify -Pbench -pl bench} (sizes as {@code -Dfleet.*}
 * properties: {@link FleetBenchmark.Settings#fromSystemProperties}). Prints the table; asserts only that the run was
 * whole (every resource running, every report taken), never a speed.
 */
class FleetBench {

    @Test
    void fleet() throws Exception {
        FleetBenchmark.Result result = FleetBenchmark.run(FleetBenchmark.Settings.fromSystemProperties());
        System.out.println(result.table());
        assertEquals(result.settings().resources(), result.runningAfterSteady(), "resources running after the steady window");
        assertEquals(0, result.steadyReportsRefused() + result.steadyReportsUnanswered(), "reports not taken");
        assertEquals(0, result.verdictsIgnored(), "verdicts the apiserver ignored");
    }
}
