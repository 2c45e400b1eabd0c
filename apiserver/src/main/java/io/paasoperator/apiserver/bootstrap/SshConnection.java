package io.paasoperator.apiserver.bootstrap;

import io.paasoperator.apiserver.host.HostKeys;
import io.paasoperator.apiserver.host.PrivateKeys;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * One SSH connection (SSHJ) to a host, for the bootstrap. Blocking by design: used only on the bootstrap's worker
 * threads. The host key is checked against the pinned one, or, on first use, remembered to be pinned.
 */
final class SshConnection implements AutoCloseable {

    /** An answer to give when the command's output shows {@code prompt}. */
    record Reply(String prompt, String answer) {
        @Override
        public String toString() {
            return "Reply[" + prompt + "]"; // never the answer: it is a password or a secret
        }
    }

    /** How a command ended: its exit status (-1 when killed) and its output, any answer given scrubbed out. */
    record Result(int exitStatus, String output) {
        boolean succeeded() {
            return exitStatus == 0;
        }
    }

    /** How often a running command's output is looked at. */
    private static final Duration OUTPUT_POLL = Duration.ofMillis(20);

    private final SSHClient ssh;
    private final String where;
    private final String hostKey;

    private SshConnection(SSHClient ssh, String where, String hostKey) {
        this.ssh = ssh;
        this.where = where;
        this.hostKey = hostKey;
    }

    /**
     * Connects and logs in. {@code pinnedKey} null means first use: any key is taken, and {@link #hostKey()} tells it.
     * Refusals become {@link BootstrapException}s that say what to fix.
     */
    static SshConnection open(String ip, int port, Account login, String pinnedKey, Duration timeout) throws BootstrapException {
        String where = ip + ":" + port;
        KeyCheck keyCheck = new KeyCheck(pinnedKey);
        SSHClient ssh = new SSHClient(new DefaultConfig());
        ssh.setConnectTimeout((int) timeout.toMillis());
        ssh.setTimeout((int) timeout.toMillis());
        ssh.addHostKeyVerifier(keyCheck);
        try {
            ssh.connect(ip, port);
        } catch (IOException e) {
            closeQuietly(ssh);
            if (keyCheck.changed()) {
                throw new BootstrapException("the SSH host key of " + ip + " has changed: pinned "
                        + HostKeys.fingerprint(pinnedKey) + ", now " + HostKeys.fingerprint(keyCheck.presented)
                        + ". Nothing was done. If the host was reinstalled, reset the pin: DELETE /apis/v1alpha1/hosts/"
                        + ip + "/host-key");
            }
            throw new Unreachable("cannot reach SSH at " + where + ": " + describe(e, timeout));
        }
        try {
            logIn(ssh, login, where);
        } catch (BootstrapException e) {
            closeQuietly(ssh);
            throw BootstrapException.credentialsRefused(e.getMessage(), keyCheck.presented);
        } catch (IOException e) {
            closeQuietly(ssh);
            throw BootstrapException.afterHandshake("SSH login at " + where + " failed: " + describe(e, timeout), keyCheck.presented);
        }
        return new SshConnection(ssh, where, keyCheck.presented);
    }

    /**
     * Logs in with the account's private key when it has one (its password then answers sudo), else its password.
     * A refusal, or a key that does not open, is a {@link BootstrapException}: nothing changes until the user does.
     */
    private static void logIn(SSHClient ssh, Account login, String where) throws BootstrapException, IOException {
        String as = "SSH login as '" + login.username() + "' at " + where;
        if (login.privateKey() != null) {
            KeyProvider key;
            try {
                key = PrivateKeys.open(login.privateKey(), login.passphrase());
            } catch (IOException e) {
                throw new BootstrapException("the private_key of " + login.role() + " " + e.getMessage());
            }
            try {
                ssh.authPublickey(login.username(), key);
            } catch (UserAuthException e) {
                throw new BootstrapException(as + " refused the private key (" + login.role() + "): its public key"
                        + " must be in that account's ~/.ssh/authorized_keys, and the server must allow key logins");
            }
            return;
        }
        char[] password = login.password().toCharArray();
        try {
            ssh.authPassword(login.username(), password);
        } catch (UserAuthException e) {
            throw new BootstrapException(as + " refused: wrong password, or the account may not log in with a password ("
                    + login.role() + ")");
        } finally {
            Arrays.fill(password, '\0');
        }
    }

    /** The host key the server presented, as an OpenSSH public-key line. */
    String hostKey() {
        return hostKey;
    }

    /** Runs a shell command without a terminal; its standard error should be redirected into its output. */
    Result run(String command, Duration timeout) throws BootstrapException {
        return converse(command, false, List.of(), timeout);
    }

    /** Streams a local file to {@code remotePath} through {@code cat}: needs no SFTP subsystem on the host. */
    Result upload(Path local, String remotePath, Duration timeout) throws BootstrapException {
        try (InputStream in = Files.newInputStream(local)) {
            return upload(in, remotePath, timeout);
        } catch (IOException e) {
            throw new BootstrapException("cannot read " + local + ": " + e.getMessage());
        }
    }

    Result upload(InputStream content, String remotePath, Duration timeout) throws BootstrapException {
        Instant deadline = Instant.now().plus(timeout);
        try (Session session = ssh.startSession()) {
            // Standard error first: a path the shell cannot create is reported by the shell itself, not by cat.
            Session.Command command = session.exec("exec 2>&1; cat > " + Shell.quote(remotePath));
            IOException sending = null;
            try (OutputStream remote = command.getOutputStream()) {
                content.transferTo(remote);
                // SSHJ's close() sends only what the host's window takes at that moment, then EOF: a host slow to read
                // lost the tail. flush() waits for the window.
                remote.flush();
            } catch (IOException e) {
                sending = e;
            }
            Result result = finish(command, List.of(), deadline, timeout);
            if (sending == null) {
                return result;
            }
            // The remote end may have stopped first (disk full, say): then its output says why.
            String remoteSays = result.succeeded() ? "" : "; the host says: " + Shell.lastLines(result.output(), 3);
            throw new BootstrapException("uploading to " + where + ":" + remotePath + " failed while sending: "
                    + describe(sending, timeout) + remoteSays);
        } catch (IOException e) {
            throw new BootstrapException("uploading to " + where + ":" + remotePath + " failed: " + e.getMessage());
        }
    }

    /**
     * Runs a command, answering its prompts in order, any of them possibly not asked (su reads a password only from a
     * terminal: {@code terminal} allocates one); a prompt asked again ends the command, its answer refused. No answer
     * is ever echoed into the result: a terminal echoes only what a program lets it.
     */
    Result converse(String command, boolean terminal, List<Reply> replies, Duration timeout) throws BootstrapException {
        Instant deadline = Instant.now().plus(timeout);
        try (Session session = ssh.startSession()) {
            if (terminal) {
                session.allocateDefaultPTY();
            }
            return finish(session.exec(command), replies, deadline, timeout);
        } catch (IOException e) {
            throw new BootstrapException("a command on " + where + " failed: " + e.getMessage());
        }
    }

    private Result finish(Session.Command command, List<Reply> replies, Instant deadline, Duration timeout)
            throws IOException, BootstrapException {
        InputStream out = command.getInputStream();
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int answered = 0;
        int searchFrom = 0;
        while (true) {
            int available = out.available();
            if (available > 0) {
                seen.write(buffer, 0, out.read(buffer, 0, Math.min(available, buffer.length)));
            } else if (!command.isOpen()) {
                out.transferTo(seen);
                break;
            } else if (Instant.now().isAfter(deadline)) {
                command.close();
                throw new BootstrapException("a command on " + where + " did not finish within " + timeout.toSeconds()
                        + "s; its output: " + Shell.lastLines(scrub(seen.toString(StandardCharsets.UTF_8), replies), 5));
            } else {
                pause(OUTPUT_POLL);
            }
            if (answered > 0 && askedAgain(seen, replies.get(answered - 1), searchFrom)) {
                // The answer was refused (sudo asks again): a second one would be the same, and closer to a lockout.
                command.close();
                break;
            }
            // The first prompt shown of those still ahead: one that never shows (sudo that needs no password) is skipped.
            String text = answered < replies.size() ? seen.toString(StandardCharsets.UTF_8) : "";
            for (int next = answered; next < replies.size(); next++) {
                Reply reply = replies.get(next);
                int at = text.indexOf(reply.prompt(), searchFrom);
                if (at >= 0) {
                    OutputStream in = command.getOutputStream();
                    in.write((reply.answer() + "\n").getBytes(StandardCharsets.UTF_8));
                    in.flush();
                    answered = next + 1;
                    searchFrom = at + reply.prompt().length();
                    break;
                }
            }
        }
        command.join(5, TimeUnit.SECONDS);
        Integer status = command.getExitStatus();
        return new Result(status == null ? -1 : status, scrub(seen.toString(StandardCharsets.UTF_8), replies));
    }

    private static boolean askedAgain(ByteArrayOutputStream seen, Reply answered, int after) {
        return seen.toString(StandardCharsets.UTF_8).indexOf(answered.prompt(), after) >= 0;
    }

    private static String scrub(String output, List<Reply> replies) {
        String clean = output.replace("\r", "");
        for (Reply reply : replies) {
            clean = clean.replace(reply.answer(), "******");
        }
        return clean;
    }

    /** Waits on a bootstrap worker thread; an interrupt (the apiserver stopping) ends the bootstrap. */
    static void pause(Duration duration) throws BootstrapException {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BootstrapException("the bootstrap was interrupted");
        }
    }

    private static String describe(IOException e, Duration timeout) {
        if (e instanceof ConnectException) {
            return "connection refused (is an SSH server listening there?)";
        }
        if (e instanceof SocketTimeoutException) {
            return "no answer within " + timeout.toSeconds() + "s";
        }
        if (e instanceof NoRouteToHostException) {
            return "no route to the host";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        closeQuietly(ssh);
    }

    private static void closeQuietly(SSHClient ssh) {
        try {
            ssh.disconnect();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    /** No SSH server answered: the one failure worth another attempt (a refused password or key does not change). */
    static final class Unreachable extends BootstrapException {
        Unreachable(String reason) {
            super(reason);
        }
    }

    /** Trust on first use, then the pinned key only. */
    private static final class KeyCheck implements HostKeyVerifier {

        private final String pinned;
        private String presented;

        KeyCheck(String pinned) {
            this.pinned = pinned;
        }

        @Override
        public boolean verify(String hostname, int port, PublicKey key) {
            presented = KeyType.fromKey(key) + " "
                    + Base64.getEncoder().encodeToString(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
            return pinned == null || pinned.equals(presented);
        }

        /** Asks the server for the pinned key's type, so that an unchanged host presents the same key. */
        @Override
        public List<String> findExistingAlgorithms(String hostname, int port) {
            if (pinned == null) {
                return List.of();
            }
            String type = HostKeys.type(pinned);
            return type.equals("ssh-rsa") ? List.of("rsa-sha2-512", "rsa-sha2-256", "ssh-rsa") : List.of(type);
        }

        boolean changed() {
            return pinned != null && presented != null && !pinned.equals(presented);
        }
    }
}
