package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the client names a server that takes the connection and closes it with no answer (an apiserver stopping). */
class ApiTest {

    @Test
    void aReadClosedWithoutAnAnswerIsOutOfReachAndAWriteIsAFailure() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"))) {
            Thread closer = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket accepted = server.accept()) {
                        accepted.getInputStream().read(); // the request has begun to arrive; no answer follows
                    } catch (Exception closed) {
                        return;
                    }
                }
            });
            closer.setDaemon(true);
            closer.start();
            Settings settings = Settings.resolve("http://127.0.0.1:" + server.getLocalPort(), null, null,
                    Map.of("PAAS_TOKEN", "test-token"));
            Api api = new Api(settings);
            CliException read = assertThrows(CliException.class, () -> api.call("GET", Api.BASE + "/middleware", null, Map.of()));
            assertTrue(read instanceof CliException.Unreachable, "a read closed with no answer: " + read.getMessage());
            assertTrue(read.getMessage().contains("closed the connection without an answer"), read.getMessage());
            CliException write = assertThrows(CliException.class, () -> api.call("POST", Api.BASE + "/middleware/create", "{}",
                    Map.of()));
            assertTrue(!(write instanceof CliException.Unreachable), "a write may have been done: " + write.getMessage());
            assertEquals(ExitCode.ERROR, write.exitCode);
        }
    }
}
