package io.paasoperator.apiserver.history;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.LocalDate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChangeDayTest {

    private static final LocalDate TODAY = LocalDate.of(2026, 11, 26);

    @Test
    void monthDayTakesTheCurrentYear() {
        assertEquals(LocalDate.of(2026, 6, 28), ChangeDay.parse("0628", TODAY));
    }

    @Test
    void fullDatesInBothForms() {
        assertEquals(LocalDate.of(2025, 12, 31), ChangeDay.parse("20251231", TODAY));
        assertEquals(LocalDate.of(2025, 12, 31), ChangeDay.parse("2025-12-31", TODAY));
    }

    @Test
    void leapDayOnlyInALeapYear() {
        assertEquals(LocalDate.of(2028, 2, 29), ChangeDay.parse("0229", LocalDate.of(2028, 1, 1)));
        assertThrows(IllegalArgumentException.class, () -> ChangeDay.parse("0229", TODAY));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1", "628", "1301", "0000", "0631", "20261301", "2026-02-30", "2026/06/28", "06-28", "o628"})
    void refusesWhatIsNoDay(String id) {
        assertThrows(IllegalArgumentException.class, () -> ChangeDay.parse(id, TODAY));
    }
}
