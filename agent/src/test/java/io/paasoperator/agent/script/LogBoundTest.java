package io.paasoperator.agent.script;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Where a log over its bound is cut: the notice and the part kept fit the bound, and the notice counts what went. */
class LogBoundTest {

    @Test
    void aLogWithinItsBoundIsNotCut() {
        assertNull(LogBound.cut(0, 1024));
        assertNull(LogBound.cut(1024, 1024));
    }

    @Test
    void aLogOverItsBoundKeepsItsEndBehindANoticeAndTheTwoFitTheBound() {
        for (long size : new long[] {1025, 9_999, 10_000, 1_000_000, 99_999_999_999L}) {
            LogBound cut = LogBound.cut(size, 1024);
            long kept = size - cut.start();
            assertEquals(1024, cut.noticeBytes().length + kept + slack(size, cut), "size " + size);
            assertTrue(kept > 0 && kept < 1024, "size " + size + " keeps " + kept);
            assertEquals("[paas-agent] the first " + cut.start() + " bytes of this log were dropped: an action's log keeps its"
                    + " last 1024 bytes (AGENT_LOG_MAX_BYTES)\n", cut.notice());
        }
    }

    @Test
    void aBoundSmallerThanTheNoticeKeepsOnlyTheNotice() {
        LogBound cut = LogBound.cut(500, 10);
        assertEquals(500, cut.start());
    }

    /** Bytes the notice was sized for but did not need: it names fewer dropped bytes (fewer digits) than the whole log's. */
    private static long slack(long size, LogBound cut) {
        return String.valueOf(size).length() - String.valueOf(cut.start()).length();
    }
}
