package io.paasoperator.cli;

import java.io.BufferedReader;
import java.io.IOException;

/**
 * Server-sent events (the HTML standard's text/event-stream) read frame by frame: {@code id:}, {@code event:} and
 * {@code data:} lines up to a blank line; lines starting with ':' (heartbeats) and other fields are skipped.
 */
final class EventStream {

    /** One frame; {@code event} is "message" when the frame names none, {@code id} null when it has none. */
    record Frame(String id, String event, String data) {
    }

    private final BufferedReader lines;

    EventStream(BufferedReader lines) {
        this.lines = lines;
    }

    /** The next frame, or null at the end of the stream (a frame cut off by the end is dropped, as the standard says). */
    Frame next() throws IOException {
        String id = null;
        String event = null;
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null || event != null) {
                    return new Frame(id, event == null ? "message" : event, data == null ? "" : data.toString());
                }
                id = null;
                continue;
            }
            if (line.startsWith(":")) {
                continue;
            }
            int colon = line.indexOf(':');
            String field = colon < 0 ? line : line.substring(0, colon);
            String value = colon < 0 ? "" : line.substring(colon + 1);
            value = value.startsWith(" ") ? value.substring(1) : value;
            switch (field) {
                case "id":
                    id = value;
                    break;
                case "event":
                    event = value;
                    break;
                case "data":
                    data = data == null ? new StringBuilder(value) : data.append('\n').append(value);
                    break;
                default:
                    break; // retry, and fields the standard may add
            }
        }
        return null;
    }
}
