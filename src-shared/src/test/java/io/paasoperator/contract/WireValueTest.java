package io.paasoperator.contract;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class WireValueTest {

    @Test
    void seedSpellingOfUnknownIsAccepted() {
        assertEquals(RealtimeState.UNKNOWN, RealtimeState.fromWire("unknow"));
        assertEquals(RealtimeState.UNKNOWN, RealtimeState.fromWire("unknown"));
        assertEquals("unknown", RealtimeState.UNKNOWN.wire());
    }

    @Test
    void everyWireWordRoundTrips() {
        for (RealtimeState s : RealtimeState.values()) {
            assertEquals(s, RealtimeState.fromWire(s.wire()));
        }
        for (ExpectedState s : ExpectedState.values()) {
            assertEquals(s, ExpectedState.fromWire(s.wire()));
            assertEquals(s.wire(), RealtimeState.of(s).wire());
        }
    }

    @Test
    void everyEnumOfWordsParsesItsOwnWordsOnly() {
        assertEquals(Optional.of(Action.CHECK), WireValue.parse(Action.class, "check"));
        assertEquals(Optional.empty(), WireValue.parse(Action.class, "running"));
        assertEquals(Optional.of(RealtimeState.UNKNOWN), WireValue.parse(RealtimeState.class, "unknow"));
        assertEquals(Optional.empty(), WireValue.parse(ExpectedState.class, "unknow"));
        assertEquals(Optional.empty(), WireValue.parse(ExpectedState.class, null));
        assertEquals("not-installed", RealtimeState.NOT_INSTALLED.wire());
        assertEquals("middleware", ResourceKind.MIDDLEWARE.wire());
    }

    @Test
    void enumNamesAreNotWireWords() {
        assertThrows(IllegalArgumentException.class, () -> ExpectedState.fromWire("NOT_INSTALLED"));
        assertThrows(IllegalArgumentException.class, () -> ExpectedState.fromWire("restart"));
        assertThrows(IllegalArgumentException.class, () -> ResourceKind.fromWire(null));
    }

    @Test
    void onlyTheStringZeroIsHealthy() {
        assertTrue(new CheckReport("0", "ok").healthy());
        assertFalse(new CheckReport("1", "down").healthy());
        assertFalse(new CheckReport("00", "").healthy());
        assertFalse(new CheckReport(null, null).healthy());
    }
}
