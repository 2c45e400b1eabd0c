package io.paasoperator.apiserver.history;

import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;

/** The day a {@code status/changed/{id}} request names: {@code MMDD} of the current year (seed), {@code YYYYMMDD} or {@code YYYY-MM-DD}. */
public final class ChangeDay {

    private static final DateTimeFormatter MONTH_DAY = DateTimeFormatter.ofPattern("MMdd").withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter BASIC = DateTimeFormatter.ofPattern("uuuuMMdd").withResolverStyle(ResolverStyle.STRICT);
    private static final DateTimeFormatter DASHED = DateTimeFormatter.ofPattern("uuuu-MM-dd").withResolverStyle(ResolverStyle.STRICT);

    private ChangeDay() {
    }

    /**
     * @param today the current date in the server's time zone, which gives MMDD its year
     * @throws IllegalArgumentException with a message for the client when the id is no date
     */
    public static LocalDate parse(String id, LocalDate today) {
        try {
            if (id.matches("\\d{4}")) {
                MonthDay monthDay = MonthDay.parse(id, MONTH_DAY);
                if (!monthDay.isValidYear(today.getYear())) { // atYear would quietly move 0229 to 0228
                    throw new DateTimeException("no such day this year");
                }
                return monthDay.atYear(today.getYear());
            }
            if (id.matches("\\d{8}")) {
                return LocalDate.parse(id, BASIC);
            }
            if (id.matches("\\d{4}-\\d{2}-\\d{2}")) {
                return LocalDate.parse(id, DASHED);
            }
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("'" + id + "' is not a date of the calendar");
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("'" + id + "' is not a day of " + today.getYear());
        }
        throw new IllegalArgumentException("the id must be a day as MMDD (e.g. 0628), YYYYMMDD or YYYY-MM-DD");
    }
}
