package io.paasoperator.agent.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.agent.script.ScriptResult;
import io.paasoperator.contract.CheckReport;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CheckOutputTest {

    private static CheckReport verdict(int exit, String output) {
        return CheckOutput.verdict(new ScriptResult(exit, false, Duration.ofMillis(5), output), 30);
    }

    @Test
    void theVerdictMayStandAmongOtherOutput() {
        CheckReport report = verdict(0, "connecting…\n{\"code\":\"0\",\"msg\":\"3 connections\"}\nbye\n");
        assertEquals("0", report.code());
        assertEquals("3 connections", report.msg());
    }

    @Test
    void theLastVerdictWins() {
        assertEquals("2", verdict(0, "{\"code\":\"0\",\"msg\":\"a\"} then {\"code\":\"2\",\"msg\":\"b\"}").code());
    }

    @Test
    void numericCodesAndNestedBracesAreRead() {
        assertEquals("0", verdict(0, "{\"code\":0,\"msg\":\"ok\",\"detail\":{\"x\":1}}").code());
        assertEquals("0", verdict(0, "log {not json} {\"code\":\"0\"}").code());
    }

    @Test
    void noVerdictIsUnhealthyAndSaysWhatItPrinted() {
        CheckReport report = verdict(0, "everything is fine\n");
        assertEquals(CheckOutput.AGENT_FAILURE_CODE, report.code());
        assertTrue(report.msg().contains("everything is fine"), report.msg());
        assertTrue(verdict(0, "").msg().contains("(nothing)"));
        assertEquals(CheckOutput.AGENT_FAILURE_CODE, verdict(0, "{\"msg\":\"no code\"}").code());
    }

    @Test
    void aNonZeroExitIsUnhealthyWhateverItPrinted() {
        CheckReport report = verdict(7, "{\"code\":\"0\",\"msg\":\"lies\"}");
        assertEquals(CheckOutput.AGENT_FAILURE_CODE, report.code());
        assertTrue(report.msg().contains("exited 7: lies"), report.msg());
        assertEquals("5", verdict(1, "{\"code\":\"5\",\"msg\":\"disk full\"}").code());
    }

    @Test
    void aTimeoutIsUnhealthy() {
        CheckReport report = CheckOutput.verdict(new ScriptResult(-1, true, Duration.ofSeconds(30), "{\"code\":\"0\"}"), 30);
        assertEquals(CheckOutput.AGENT_FAILURE_CODE, report.code());
        assertTrue(report.msg().contains("timed out after 30s"));
    }
}
