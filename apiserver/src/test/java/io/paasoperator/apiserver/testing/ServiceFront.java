package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * What a Kubernetes Service is to the apiserver's replicas: one address agents report to, forwarding each connection
 * to the first replica that accepts it. A dead replica is simply skipped.
 */
public final class ServiceFront implements AutoCloseable {

    private final ServerSocket socket;
    private final List<Integer> backends = new CopyOnWriteArrayList<>();
    private final ExecutorService pipes = Executors.newCachedThreadPool(r -> {
        Thread thread = new Thread(r, "service-front");
        thread.setDaemon(true);
        return thread;
    });

    public ServiceFront() throws IOException {
        socket = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        pipes.execute(this::accept);
    }

    public int port() {
        return socket.getLocalPort();
    }

    public void addBackend(int port) {
        backends.add(port);
    }

    private void accept() {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                pipes.execute(() -> forward(client));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private void forward(Socket client) {
        for (int port : backends) {
            try {
                Socket backend = new Socket("127.0.0.1", port);
                pipes.execute(() -> pipe(client, backend));
                pipe(backend, client);
                return;
            } catch (IOException refused) {
                // that replica is down: try the next
            }
        }
        close(client);
    }

    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException ended) {
            // either side hung up
        } finally {
            close(from);
            close(to);
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
        pipes.shutdownNow();
    }
}
