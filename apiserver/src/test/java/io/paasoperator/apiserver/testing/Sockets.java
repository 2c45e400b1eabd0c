package io.paasoperator.apiserver.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** The real software the tests drive, checked directly over its own sockets. */
public final class Sockets {

    private Sockets() {
    }

    /** A Redis server's answer to PING ("+PONG"). */
    public static String redisPing(String ip, int port) throws IOException {
        try (Socket socket = new Socket(ip, port)) {
            socket.setSoTimeout(5000);
            socket.getOutputStream().write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            return new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII)).readLine();
        }
    }

    public static boolean listening(String ip, int port) {
        try (Socket ignored = new Socket(ip, port)) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
