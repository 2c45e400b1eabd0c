package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class OutputTest {

    @Test
    void columnsAlignEmptyCellsReadADashAndControlCharactersAreDropped() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        new Output(new PrintStream(bytes, true, StandardCharsets.UTF_8)).table(List.of("NAME", "STATE", "NOTE"),
                List.of(List.of("a-long-name", "running", ""), List.of("b", "failed", "red\u001b[31m\nline")));
        assertEquals("""
                NAME         STATE    NOTE
                a-long-name  running  -
                b            failed   red[31m line
                """, bytes.toString(StandardCharsets.UTF_8));
    }

    @Test
    void longCellsAreCut() {
        assertEquals(80, Text.shorten("x".repeat(100), Output.MAX_CELL).length());
        assertEquals("abc", Text.shorten("abc", 80));
    }
}
