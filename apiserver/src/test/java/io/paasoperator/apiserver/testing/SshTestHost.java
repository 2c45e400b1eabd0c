package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.sshd.common.keyprovider.KeyPairProvider;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.session.SessionListener;
import org.apache.sshd.server.Environment;
import org.apache.sshd.server.ExitCallback;
import org.apache.sshd.server.SshServer;
import org.apache.sshd.server.channel.ChannelSession;
import org.apache.sshd.server.command.Command;

/**
 * A simulated host for the bootstrap: a real SSH server (Apache MINA SSHD) on its own loopback address, running each
 * command with {@code /bin/sh -c} as this user, with a HOME (and TMPDIR) of the host's own, so that several hosts on
 * one machine keep their agents apart. Counts connections and commands, so that tests can tell what the bootstrap did.
 */
public final class SshTestHost implements AutoCloseable {

    public final String ip;
    public final String username = "paas";
    public final String password;
    public final Path home;
    public final Path tmp;
    public final int agentPort;
    public final AtomicInteger connections = new AtomicInteger();
    /** When each SSH connection opened and closed, in order. */
    public final List<Instant[]> sessions = new CopyOnWriteArrayList<>();
    public final List<String> commands = new CopyOnWriteArrayList<>();
    private final Map<String, String> environment = new HashMap<>();
    private SshServer server;
    private int sshPort;
    private KeyPair hostKey;

    private SshTestHost(String ip, Path base) throws IOException {
        this.ip = ip;
        this.password = "ssh-pw-" + Math.abs(new SecureRandom().nextLong());
        this.home = Files.createDirectories(base.resolve("home"));
        this.tmp = Files.createDirectories(base.resolve("tmp"));
        this.agentPort = freePort(ip);
        environment.put("HOME", home.toString());
        environment.put("TMPDIR", tmp.toString());
        environment.put("USER", username);
        environment.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    }

    /** A host on {@code ip}, listening on a free port, with a fresh host key and a password of its own. */
    public static SshTestHost start(String ip, Path base) throws Exception {
        SshTestHost host = new SshTestHost(ip, base);
        host.hostKey = newKey();
        host.listen(0);
        return host;
    }

    public int sshPort() {
        return sshPort;
    }

    /** Runs commands with this PATH instead (a host without Java, say). */
    public void setPath(String path) {
        environment.put("PATH", path);
    }

    /** The host is reinstalled: same address and port, a new host key. */
    public void replaceHostKey() throws Exception {
        server.stop(true);
        hostKey = newKey();
        listen(sshPort);
    }

    /** The agent's own directory, as the bootstrap leaves it. */
    public Path agentHome() {
        return home.resolve(".paas-agent");
    }

    public Path appHome(String type, String name) {
        return agentHome().resolve("apps").resolve(type).resolve(name);
    }

    /** The secret the bootstrap gave this host's agent, as the agent's own settings hold it. */
    public String agentSecret() throws IOException {
        return Files.readAllLines(agentHome().resolve("agent.env")).stream().filter(l -> l.startsWith("AGENT_SECRET="))
                .findFirst().orElseThrow().substring("AGENT_SECRET=".length());
    }

    /** Runs a command as the host would, outside SSH (to stop the agent at the end, for instance). */
    public int runLocally(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(environment);
        Process process = builder.start();
        process.getInputStream().transferTo(OutputStream.nullOutputStream());
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }

    private void listen(int port) throws IOException {
        server = SshServer.setUpDefaultServer();
        server.setHost(ip);
        server.setPort(port);
        server.setKeyPairProvider(KeyPairProvider.wrap(hostKey));
        server.addSessionListener(new SessionListener() {
            @Override
            public void sessionCreated(Session session) {
                connections.incrementAndGet();
                Instant[] span = {Instant.now(), null};
                sessions.add(span);
                session.addSessionListener(new SessionListener() {
                    @Override
                    public void sessionClosed(Session closed) {
                        span[1] = Instant.now();
                    }
                });
            }
        });
        server.setPasswordAuthenticator((user, given, session) -> username.equals(user) && password.equals(given));
        server.setCommandFactory((channel, command) -> {
            commands.add(command);
            return new ShellCommand(command, environment);
        });
        server.start();
        sshPort = server.getPort();
    }

    /**
     * Stops the agent and the SSH server. The agent's log joins the others the log audit reads (LogAuditIT), after a
     * check that the agent's own secret is not in it.
     */
    @Override
    public void close() throws Exception {
        if (Files.exists(agentHome().resolve("bin/current/agentctl"))) {
            runLocally(agentHome().resolve("bin/current/agentctl") + " stop");
        }
        server.stop(true);
        Path log = agentHome().resolve("agent.log");
        if (Files.exists(log)) {
            if (Files.readString(log).contains(agentSecret())) {
                throw new AssertionError("the agent's secret is in its log " + log);
            }
            Path audited = Files.createDirectories(Path.of("target", "it-logs"));
            Files.copy(log, audited.resolve("agent-ssh-" + ip + "-" + sshPort + ".log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static KeyPair newKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(256);
        return generator.generateKeyPair();
    }

    /**
     * A port free on this host for an application, and not its agent's: the agent's port is only a number until the
     * agent starts, and the same number picked free before that would keep one of them from binding.
     */
    public int freePortForAnApp() throws IOException {
        int port = freePort(ip);
        while (port == agentPort) {
            port = freePort(ip);
        }
        return port;
    }

    public static int freePort(String ip) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(ip))) {
            return socket.getLocalPort();
        }
    }

    /** One exec request: {@code /bin/sh -c command}, its streams joined to the channel's. */
    private static final class ShellCommand implements Command {

        private final String command;
        private final Map<String, String> environment;
        private InputStream in;
        private OutputStream out;
        private OutputStream err;
        private ExitCallback exit;
        private Process process;

        ShellCommand(String command, Map<String, String> environment) {
            this.command = command;
            this.environment = Map.copyOf(environment);
        }

        @Override
        public void setInputStream(InputStream in) {
            this.in = in;
        }

        @Override
        public void setOutputStream(OutputStream out) {
            this.out = out;
        }

        @Override
        public void setErrorStream(OutputStream err) {
            this.err = err;
        }

        @Override
        public void setExitCallback(ExitCallback exit) {
            this.exit = exit;
        }

        @Override
        public void start(ChannelSession channel, Environment env) throws IOException {
            ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", command);
            builder.environment().clear();
            builder.environment().putAll(environment);
            process = builder.start();
            Thread stdin = pump(in, process.getOutputStream(), true);
            Thread stdout = pump(process.getInputStream(), out, false);
            Thread stderr = pump(process.getErrorStream(), err, false);
            daemon(() -> {
                try {
                    int status = process.waitFor();
                    stdout.join();
                    stderr.join();
                    stdin.interrupt();
                    exit.onExit(status);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
        }

        private static Thread pump(InputStream from, OutputStream to, boolean closeWhenDone) {
            return daemon(() -> {
                byte[] buffer = new byte[8192];
                try {
                    int read;
                    while ((read = from.read(buffer)) >= 0) {
                        to.write(buffer, 0, read);
                        to.flush();
                    }
                } catch (IOException ended) {
                    // the other side went away
                } finally {
                    if (closeWhenDone) {
                        try {
                            to.close();
                        } catch (IOException ignored) {
                            // already closed
                        }
                    }
                }
            });
        }

        private static Thread daemon(Runnable work) {
            Thread thread = new Thread(work, "ssh-test-host");
            thread.setDaemon(true);
            thread.start();
            return thread;
        }

        @Override
        public void destroy(ChannelSession channel) {
            if (process != null) {
                process.destroy();
            }
        }
    }
}
