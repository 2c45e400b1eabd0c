package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A host as SPEC.md §6 meets it: Debian's OpenSSH server (sshd), started on its own loopback address and port with its
 * own configuration and host key, and two real local accounts with passwords: one that may log in over SSH, one the
 * agent runs as (reached with su). Needs root, to create the accounts and to run sshd.
 */
public final class OpenSshHost implements AutoCloseable {

    public static final Path SSHD = Path.of("/usr/sbin/sshd");

    public final String ip;
    public final int sshPort;
    public final Account login;
    public final Account agentAccount;
    public final Path hostPublicKey;
    private final Process sshd;

    /** A local account and its password. */
    public record Account(String name, String password) {
        @Override
        public String toString() {
            return name;
        }

        public Path home() {
            return Path.of("/home", name);
        }
    }

    private OpenSshHost(String ip, int sshPort, Account login, Account agentAccount, Path hostPublicKey, Process sshd) {
        this.ip = ip;
        this.sshPort = sshPort;
        this.login = login;
        this.agentAccount = agentAccount;
        this.hostPublicKey = hostPublicKey;
        this.sshd = sshd;
    }

    public static OpenSshHost start(String ip, Path dir, Path log) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("this test creates local accounts and runs sshd: run the suite as root (.ci/run does)");
        }
        if (!Files.isExecutable(SSHD)) {
            throw new AssertionError(SSHD + " is missing: install Debian's openssh-server (.ci/run does)");
        }
        Account login = account("paas-login");
        Account agent = account("paas-agent");
        Files.createDirectories(dir);
        Path key = dir.resolve("ssh_host_ed25519_key");
        run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()), null);
        Files.createDirectories(Path.of("/run/sshd")); // sshd's privilege-separation directory
        int port = SshTestHost.freePort(ip);
        Path config = dir.resolve("sshd_config");
        Files.writeString(config, String.join("\n",
                "ListenAddress " + ip,
                "Port " + port,
                "HostKey " + key,
                "PidFile " + dir.resolve("sshd.pid"),
                "PasswordAuthentication yes",
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication no",
                "UsePAM no",
                "PermitRootLogin no",
                "AllowUsers " + login.name(),
                "LogLevel VERBOSE",
                ""));
        Process sshd = new ProcessBuilder(SSHD.toString(), "-D", "-e", "-f", config.toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        awaitListening(ip, port, sshd);
        return new OpenSshHost(ip, port, login, agent, Path.of(key + ".pub"), sshd);
    }

    /** A fresh account with a random password, set through chpasswd's standard input, never a command line. */
    private static Account account(String name) throws Exception {
        if (run(List.of("id", name), null) != 0) {
            if (run(List.of("useradd", "--create-home", "--shell", "/bin/bash", name), null) != 0) {
                throw new AssertionError("useradd " + name + " failed");
            }
        }
        Account account = new Account(name, "ssh-pw-" + Math.abs(new SecureRandom().nextLong()));
        if (run(List.of("chpasswd"), name + ":" + account.password() + "\n") != 0) {
            throw new AssertionError("chpasswd for " + name + " failed");
        }
        return account;
    }

    /** The fingerprint OpenSSH itself gives the host key: "SHA256:…". */
    public String fingerprint() throws Exception {
        Process keygen = new ProcessBuilder("ssh-keygen", "-l", "-E", "sha256", "-f", hostPublicKey.toString()).start();
        String line = new String(keygen.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        keygen.waitFor(10, TimeUnit.SECONDS);
        return line.split(" ")[1];
    }

    /** Stops the agent (its keeper's process group), sshd, every process of the two accounts, and removes them. */
    @Override
    public void close() throws Exception {
        Path pidFile = agentAccount.home().resolve(".paas-agent/agent.pid");
        if (Files.exists(pidFile)) {
            run(List.of("kill", "-TERM", "--", "-" + Files.readString(pidFile).trim()), null);
        }
        sshd.destroy();
        sshd.waitFor(10, TimeUnit.SECONDS);
        for (Account account : List.of(login, agentAccount)) {
            run(List.of("pkill", "-KILL", "-u", account.name()), null);
            run(List.of("userdel", "--remove", account.name()), null);
        }
    }

    private static void awaitListening(String ip, int port, Process sshd) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (Instant.now().isBefore(deadline)) {
            if (!sshd.isAlive()) {
                throw new AssertionError("sshd exited with status " + sshd.exitValue());
            }
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(ip, port), 500);
                return;
            } catch (IOException notYet) {
                Thread.sleep(100);
            }
        }
        throw new AssertionError("sshd did not listen on " + ip + ":" + port);
    }

    private static int run(List<String> command, String input) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        try (var in = process.getOutputStream()) {
            if (input != null) {
                in.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        return process.waitFor(60, TimeUnit.SECONDS) ? process.exitValue() : -1;
    }
}
