package io.paasoperator.apiserver.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A host as SPEC.md §6 meets it: Debian's OpenSSH server (sshd), started on its own loopback address and port with its
 * own configuration and host key, and two real local accounts with passwords: one that may log in over SSH (with its
 * password, or with a key only), one the agent runs as (reached with su, or sudo once a sudoers rule allows it). Needs
 * root, to create the accounts, to run sshd and to write the sudoers rule.
 */
public final class OpenSshHost implements AutoCloseable {

    public static final Path SSHD = Path.of("/usr/sbin/sshd");
    public static final Path SUDO = Path.of("/usr/bin/sudo");
    /** No '.' in the name: sudo skips such files in /etc/sudoers.d. */
    private static final Path SUDOERS_RULE = Path.of("/etc/sudoers.d/paas-test-openssh");

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

    /** The login account logs in with its password; public keys are refused. */
    public static OpenSshHost start(String ip, Path dir, Path log) throws Exception {
        return start(ip, dir, log, null);
    }

    /**
     * The login account logs in with the private key of {@code authorizedKey} (an authorized_keys line) only: sshd
     * refuses every password, though the account has one (for sudo to ask).
     */
    public static OpenSshHost startKeyOnly(String ip, Path dir, Path log, String authorizedKey) throws Exception {
        return start(ip, dir, log, authorizedKey);
    }

    private static OpenSshHost start(String ip, Path dir, Path log, String authorizedKey) throws Exception {
        if (!"root".equals(System.getProperty("user.name"))) {
            throw new AssertionError("this test creates local accounts and runs sshd: run the suite as root (.ci/run does)");
        }
        if (!Files.isExecutable(SSHD)) {
            throw new AssertionError(SSHD + " is missing: install Debian's openssh-server (.ci/run does)");
        }
        // Named for this test run: another checkout's suite on the same machine makes, re-passwords and removes its own.
        Account login = account("paas-login-" + ProcessHandle.current().pid());
        Account agent = account("paas-agent-" + ProcessHandle.current().pid());
        boolean keyOnly = authorizedKey != null;
        if (keyOnly) {
            authorize(login, authorizedKey);
        }
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
                "PasswordAuthentication " + (keyOnly ? "no" : "yes"),
                "KbdInteractiveAuthentication no",
                "PubkeyAuthentication " + (keyOnly ? "yes" : "no"),
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

    /** {@code ~/.ssh/authorized_keys} of the account: its own, 0600 in a 0700 directory, as sshd's StrictModes wants. */
    private static void authorize(Account account, String publicKey) throws Exception {
        Path ssh = account.home().resolve(".ssh");
        Files.createDirectories(ssh);
        Files.setPosixFilePermissions(ssh, PosixFilePermissions.fromString("rwx------"));
        Path keys = ssh.resolve("authorized_keys");
        Files.writeString(keys, publicKey + "\n");
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-------"));
        if (run(List.of("chown", "-R", account.name() + ":", ssh.toString()), null) != 0) {
            throw new AssertionError("chown " + ssh + " failed");
        }
    }

    /**
     * A sudoers rule (a drop-in, checked with visudo first) that lets the login account run any command as the agent's
     * account: without a password when {@code askPassword} is false, else asking the login account's own. Replaces the
     * previous rule; {@link #close()} removes it.
     */
    public void allowSudo(boolean askPassword) throws Exception {
        if (!Files.isExecutable(SUDO)) {
            throw new AssertionError(SUDO + " is missing: install Debian's sudo package (.ci/run does)");
        }
        Path draft = Files.createTempFile("paas-sudoers", "", PosixFilePermissions.asFileAttribute(
                PosixFilePermissions.fromString("r--r-----")));
        try {
            Files.writeString(draft, login.name() + " ALL=(" + agentAccount.name() + ") " + (askPassword ? "" : "NOPASSWD: ")
                    + "ALL\n");
            if (run(List.of("visudo", "-c", "-q", "-f", draft.toString()), null) != 0) {
                throw new AssertionError("visudo refuses the rule written to " + draft);
            }
            Files.move(draft, SUDOERS_RULE, StandardCopyOption.REPLACE_EXISTING);
            Files.setPosixFilePermissions(SUDOERS_RULE, PosixFilePermissions.fromString("r--r-----"));
        } finally {
            Files.deleteIfExists(draft);
        }
    }

    /**
     * The agent's process (its Java, not its keeper), running a quarkus-run.jar from the agent account's installation:
     * bin/current/ for the jar build, bin/&lt;build&gt;/quarkus-app/ for the self-contained one.
     */
    public ProcessHandle agentProcess() {
        String installed = agentAccount.home().resolve(".paas-agent/bin/").toString();
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().arguments().map(a -> List.of(a).stream()
                        .anyMatch(arg -> arg.startsWith(installed) && arg.endsWith("/quarkus-run.jar"))).orElse(false))
                .findFirst().orElseThrow(() -> new AssertionError("no agent process"));
    }

    /**
     * Gives the agent's account a login PATH without Java (and no JAVA_HOME): a directory of links to every program in
     * /usr/bin and /bin but those of a JDK, set in its ~/.bash_profile, which su - and sudo -i read. Answers the PATH.
     */
    public String withoutJava() throws Exception {
        Path tools = agentAccount.home().resolve("tools-without-java");
        Files.createDirectories(tools);
        for (Path dir : List.of(Path.of("/usr/bin"), Path.of("/bin"))) {
            try (Stream<Path> programs = Files.list(dir)) {
                for (Path program : programs.toList()) {
                    Path link = tools.resolve(program.getFileName());
                    if (Files.isExecutable(program) && !Files.exists(link, LinkOption.NOFOLLOW_LINKS)
                            && !program.toRealPath().startsWith("/usr/lib/jvm")) {
                        Files.createSymbolicLink(link, program);
                    }
                }
            }
        }
        Path profile = agentAccount.home().resolve(".bash_profile");
        Files.writeString(profile, "PATH=" + tools + "\nexport PATH\nunset JAVA_HOME\n");
        if (run(List.of("chown", agentAccount.name() + ":", profile.toString()), null) != 0) {
            throw new AssertionError("chown " + profile + " failed");
        }
        return tools.toString();
    }

    /** Stops the agent and its keeper (their process group), as a host that rebooted without them. */
    public void stopAgent() throws Exception {
        Path pidFile = agentAccount.home().resolve(".paas-agent/agent.pid");
        if (Files.exists(pidFile)) {
            run(List.of("kill", "-TERM", "--", "-" + Files.readString(pidFile).trim()), null);
        }
    }

    /**
     * A fresh account with a random password, set through chpasswd's standard input, never a command line. One of that
     * name left by a run that died is removed first.
     */
    private static Account account(String name) throws Exception {
        if (run(List.of("id", name), null) == 0) {
            remove(name);
        }
        if (run(List.of("useradd", "--create-home", "--shell", "/bin/bash", name), null) != 0) {
            throw new AssertionError("useradd " + name + " failed");
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

    /** Stops the agent, sshd, every process of the two accounts, and removes them and the sudoers rule. */
    @Override
    public void close() throws Exception {
        stopAgent();
        sshd.destroy();
        sshd.waitFor(10, TimeUnit.SECONDS);
        for (Account account : List.of(login, agentAccount)) {
            remove(account.name());
        }
        Files.deleteIfExists(SUDOERS_RULE);
    }

    /**
     * Removes an account and its home once none of its processes is left: userdel refuses an account still in use, and
     * one left behind (its ~/.bash_profile without Java, say) was taken over by the next test of this JVM, whose account
     * names are the same.
     */
    private static void remove(String name) throws Exception {
        Instant deadline = Instant.now().plusSeconds(20);
        while (run(List.of("pkill", "-KILL", "-u", name), null) == 0) { // 1: no process matched
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the processes of " + name + " do not end");
            }
            Thread.sleep(100);
        }
        if (run(List.of("userdel", "--remove", name), null) != 0 && run(List.of("id", name), null) == 0) {
            throw new AssertionError("userdel " + name + " failed");
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
