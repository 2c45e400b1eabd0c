package io.paasoperator.apiserver.bootstrap;

import java.util.Arrays;
import java.util.stream.Collectors;

/** Composing POSIX shell command lines for the bootstrap, and reading their output. */
final class Shell {

    private Shell() {
    }

    /** One word for sh, whatever it holds: single-quoted, with each single quote closed, escaped and reopened. */
    static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    static String lastLines(String output, int count) {
        String[] lines = output.strip().split("\n");
        return Arrays.stream(lines, Math.max(0, lines.length - count), lines.length).map(String::strip)
                .collect(Collectors.joining(" | "));
    }
}
