package io.paasoperator.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/** What a command prints on stdout: an aligned table (cells cleaned of control characters), or JSON. */
final class Output {

    static final int MAX_CELL = 80;

    private final PrintStream out;

    Output(PrintStream out) {
        this.out = out;
    }

    void json(JsonNode document) {
        try {
            out.println(Api.JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsString(document));
        } catch (JsonProcessingException e) {
            throw new CliException(ExitCode.ERROR, "cannot print JSON: " + e.getOriginalMessage());
        }
    }

    /** One JSON document on one line: a stream's frames, one per line. */
    void jsonLine(JsonNode document) {
        out.println(document.toString());
        out.flush();
    }

    void line(String text) {
        out.println(text);
        out.flush();
    }

    /** Columns as wide as their widest cell, two spaces apart; empty cells read "-". */
    void table(List<String> headers, List<List<String>> rows) {
        List<List<String>> all = new ArrayList<>();
        all.add(headers);
        aligned(headers.size(), all, rows);
    }

    /** Rows of "label:  value", aligned. */
    void fields(List<List<String>> rows) {
        aligned(2, new ArrayList<>(), rows);
    }

    private void aligned(int columns, List<List<String>> all, List<List<String>> rows) {
        for (List<String> row : rows) {
            all.add(row.stream().map(cell -> {
                String clean = Text.shorten(Text.clean(cell), MAX_CELL);
                return clean.isEmpty() ? "-" : clean;
            }).toList());
        }
        int[] widths = new int[columns];
        for (List<String> row : all) {
            for (int i = 0; i < row.size(); i++) {
                widths[i] = Math.max(widths[i], row.get(i).length());
            }
        }
        for (List<String> row : all) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.size(); i++) {
                line.append(row.get(i));
                if (i < row.size() - 1) {
                    line.append(" ".repeat(widths[i] - row.get(i).length() + 2));
                }
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    /** A field of a JSON node as text, "" when absent or null. */
    static String text(JsonNode node, String field) {
        JsonNode value = node.path(field);
        return value.isMissingNode() || value.isNull() ? "" : value.asText();
    }
}
