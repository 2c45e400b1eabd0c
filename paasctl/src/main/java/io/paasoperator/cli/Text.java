package io.paasoperator.cli;

/** Text from the apiserver as it goes to a terminal: no control characters (no escape sequences), on one line. */
final class Text {

    private Text() {
    }

    static String clean(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder clean = new StringBuilder(text.length());
        text.codePoints().forEach(c -> {
            if (c == '\n' || c == '\r' || c == '\t') {
                clean.append(' ');
            } else if (!Character.isISOControl(c)) {
                clean.appendCodePoint(c);
            }
        });
        return clean.toString().trim();
    }

    /** At most {@code width} characters, the cut marked with "...". */
    static String shorten(String text, int width) {
        return text.length() <= width ? text : text.substring(0, Math.max(0, width - 3)) + "...";
    }
}
