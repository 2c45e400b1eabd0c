package io.paasoperator.apiserver.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A Server-Sent Events client on a plain socket: the raw stream exactly as the server writes it, read only when the test
 * asks (so a test can be a client that stops reading), through a receive buffer of the size the test chooses.
 */
public final class SseClient implements AutoCloseable {

    /** One frame: an event (id, event, data) or a comment (": heartbeat"). */
    public record Frame(String id, String event, String data, String comment) {
        public boolean isHeartbeat() {
            return "heartbeat".equals(comment);
        }
    }

    public final int status;
    /** Response headers, names in lower case. */
    public final Map<String, String> headers;
    private final Socket socket;
    private final InputStream body;

    private SseClient(Socket socket, int status, Map<String, String> headers, InputStream body) {
        this.socket = socket;
        this.status = status;
        this.headers = headers;
        this.body = body;
    }

    /** Sends {@code GET pathAndQuery} with {@code requestHeaders}; reads the status and headers. */
    public static SseClient open(String host, int port, String pathAndQuery, Map<String, String> requestHeaders,
            int receiveBufferBytes) throws IOException {
        Socket socket = new Socket();
        if (receiveBufferBytes > 0) {
            socket.setReceiveBufferSize(receiveBufferBytes);
        }
        socket.connect(new InetSocketAddress(host, port), 5000);
        socket.setSoTimeout(30_000);
        StringBuilder request = new StringBuilder("GET " + pathAndQuery + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAccept: text/event-stream\r\n");
        requestHeaders.forEach((name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
        socket.getOutputStream().write(request.append("\r\n").toString().getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        InputStream raw = new BufferedInputStream(socket.getInputStream());
        String statusLine = line(raw);
        if (statusLine == null) {
            socket.close();
            throw new IOException("no answer");
        }
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (String header = line(raw); header != null && !header.isEmpty(); header = line(raw)) {
            int colon = header.indexOf(':');
            headers.put(header.substring(0, colon).trim().toLowerCase(), header.substring(colon + 1).trim());
        }
        InputStream body = "chunked".equalsIgnoreCase(headers.get("transfer-encoding")) ? new Chunked(raw)
                : new Bounded(raw, Long.parseLong(headers.getOrDefault("content-length", "0")));
        return new SseClient(socket, status, headers, body);
    }

    /** The next frame, each read waiting at most {@code timeout}; null at the end of the stream. */
    public Frame next(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        String id = null;
        String event = null;
        String comment = null;
        StringBuilder data = null;
        boolean any = false;
        while (true) {
            String line = line(body);
            if (line == null || line.isEmpty()) {
                if (any) {
                    return new Frame(id, event, data == null ? null : data.toString(), comment);
                }
                if (line == null) {
                    return null;
                }
                continue;
            }
            any = true;
            if (line.startsWith(":")) {
                comment = line.substring(1).trim();
            } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
            } else if (line.startsWith("event:")) {
                event = line.substring(6).trim();
            } else if (line.startsWith("data:")) {
                data = data == null ? new StringBuilder() : data.append('\n');
                data.append(line.substring(5).trim());
            }
        }
    }

    /** The next event, heartbeats skipped. */
    public Frame nextEvent(Duration timeout) throws IOException {
        Frame frame;
        do {
            frame = next(timeout);
        } while (frame != null && frame.event() == null);
        return frame;
    }

    /** The rest of the body as text (an error's problem document). */
    public String rest() throws IOException {
        return new String(body.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    /** A line without its CR LF, read as UTF-8; null at the end. */
    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) != -1 && b != '\n') {
            bytes.write(b);
        }
        if (b == -1 && bytes.size() == 0) {
            return null;
        }
        String text = bytes.toString(StandardCharsets.UTF_8);
        return text.endsWith("\r") ? text.substring(0, text.length() - 1) : text;
    }

    /** HTTP/1.1 chunked transfer coding, decoded; ends at the last (empty) chunk. */
    private static final class Chunked extends InputStream {
        private final InputStream raw;
        private long left;
        private boolean started;
        private boolean done;

        Chunked(InputStream raw) {
            this.raw = raw;
        }

        @Override
        public int read() throws IOException {
            if (done) {
                return -1;
            }
            if (left == 0) {
                if (started) {
                    line(raw); // the CR LF after a chunk's data
                }
                started = true;
                String size = line(raw);
                left = size == null ? 0 : Long.parseLong(size.split(";")[0].trim(), 16);
                if (left == 0) {
                    done = true;
                    return -1;
                }
            }
            left--;
            return raw.read();
        }
    }

    private static final class Bounded extends InputStream {
        private final InputStream raw;
        private long left;

        Bounded(InputStream raw, long length) {
            this.raw = raw;
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            left--;
            return raw.read();
        }
    }
}
