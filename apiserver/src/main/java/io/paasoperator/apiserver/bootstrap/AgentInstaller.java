package io.paasoperator.apiserver.bootstrap;

import java.io.ByteArrayInputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * SPEC.md §6 on one host, step by step, blocking (a worker thread's work): log in over SSH, upload the agent and
 * {@code install-agent.sh} to a fresh staging directory, run the script as the agent's account (through {@code su} on
 * a terminal, or {@code sudo}, when that is another account), hand it the agent's secret on standard input, clean up.
 */
final class AgentInstaller {

    private static final Logger LOG = Logger.getLogger(AgentInstaller.class);
    static final String SECRET_PROMPT = "paas-bootstrap: secret?";
    static final String ERROR_LINE = "paas-bootstrap: error: ";
    static final String INSTALLED_LINE = "paas-bootstrap: installed";
    static final String SUDO_PROMPT = "paas-bootstrap: sudo password?";

    /** How the login account runs the install as the agent's account, when they differ. */
    enum Become {
        SU, SUDO
    }

    /**
     * Where and as whom to install.
     *
     * @param login the account that logs in over SSH
     * @param runAs the account the agent runs as; reached with {@code become} when it is not {@code login}
     * @param bind the address the agent listens on
     * @param operatorUrl where the agent reports when a request names no operator (after a restart, say)
     */
    record Target(String ip, int sshPort, int agentPort, String bind, String operatorUrl, Account login, Account runAs,
            Become become) {
        boolean switchesUser() {
            return !login.username().equals(runAs.username());
        }
    }

    private final BootstrapSettings limits;

    AgentInstaller(BootstrapSettings limits) {
        this.limits = limits;
    }

    /** Installs and starts the agent; answers the host key the server presented (to pin on first use). */
    String install(Target target, AgentBundle.Packed bundle, String secret, String pinnedKey) throws BootstrapException {
        try (SshConnection ssh = connect(target, pinnedKey)) {
            try {
                installOver(ssh, target, bundle, secret);
            } catch (BootstrapException e) {
                throw e.withHostKey(ssh.hostKey());
            }
            return ssh.hostKey();
        }
    }

    private SshConnection connect(Target target, String pinnedKey) throws BootstrapException {
        SshConnection.Unreachable last = null;
        for (int attempt = 1; attempt <= limits.connectAttempts(); attempt++) {
            try {
                return SshConnection.open(target.ip(), target.sshPort(), target.login(), pinnedKey, limits.connectTimeout());
            } catch (SshConnection.Unreachable e) {
                last = e;
                if (attempt < limits.connectAttempts()) {
                    SshConnection.pause(Duration.ofSeconds(attempt));
                }
            }
        }
        throw new BootstrapException(last.getMessage() + " (" + limits.connectAttempts() + " attempts)");
    }

    private void installOver(SshConnection ssh, Target target, AgentBundle.Packed bundle, String secret) throws BootstrapException {
        // A directory of our own (mktemp's template: six random characters), readable by the agent's account after su.
        String template = "${TMPDIR:-/tmp}/paas-agent-" + "X".repeat(6);
        SshConnection.Result made = ssh.run("umask 022 && d=$(mktemp -d \"" + template + "\")"
                + " && chmod 755 \"$d\" && echo \"$d\"", limits.commandTimeout());
        String staging = made.output().strip();
        if (!made.succeeded() || !staging.startsWith("/")) {
            throw new BootstrapException("cannot create a staging directory on " + target.ip() + " as '"
                    + target.login().username() + "': " + Shell.lastLines(made.output(), 3));
        }
        try {
            SshConnection.Result uploaded = ssh.upload(bundle.archive(), staging + "/agent.tar.gz", limits.commandTimeout());
            if (uploaded.succeeded()) {
                uploaded = ssh.upload(new ByteArrayInputStream(bundle.installScript()), staging + "/install-agent.sh",
                        limits.commandTimeout());
            }
            if (!uploaded.succeeded()) {
                throw new BootstrapException("uploading the agent to " + target.ip() + ":" + staging + " failed: "
                        + Shell.lastLines(uploaded.output(), 3));
            }
            runInstall(ssh, target, staging, bundle.build(), secret);
        } finally {
            removeQuietly(ssh, staging);
        }
    }

    private void runInstall(SshConnection ssh, Target target, String staging, String build, String secret) throws BootstrapException {
        String install = "sh " + Shell.quote(staging + "/install-agent.sh") + " " + Shell.quote(staging) + " "
                + Shell.quote(build) + " " + target.agentPort() + " " + Shell.quote(target.bind()) + " "
                + Shell.quote(target.operatorUrl()) + " 2>&1";
        List<SshConnection.Reply> replies = new ArrayList<>();
        SshConnection.Result result;
        if (!target.switchesUser()) {
            replies.add(new SshConnection.Reply(SECRET_PROMPT, secret));
            result = ssh.converse(install, false, replies, limits.commandTimeout());
        } else if (target.become() == Become.SUDO) {
            // -n: never wait for a password none was given. -S: the login's password on standard input, never in argv.
            // -i: a login shell in the agent's home, as su - gives. LC_ALL=C keeps sudo's messages in English.
            String password = target.login().password();
            if (password != null) {
                replies.add(new SshConnection.Reply(SUDO_PROMPT, password));
            }
            replies.add(new SshConnection.Reply(SECRET_PROMPT, secret));
            String sudo = password == null ? "sudo -n" : "sudo -S -p " + Shell.quote(SUDO_PROMPT);
            result = ssh.converse("LC_ALL=C " + sudo + " -i -u " + Shell.quote(target.runAs().username()) + " -- " + install,
                    false, replies, limits.commandTimeout());
        } else {
            // su reads the password from a terminal only; LC_ALL=C keeps its prompt and messages in English.
            replies.add(new SshConnection.Reply("assword:", target.runAs().password()));
            replies.add(new SshConnection.Reply(SECRET_PROMPT, secret));
            result = ssh.converse("LC_ALL=C su - " + Shell.quote(target.runAs().username()) + " -c " + Shell.quote(install),
                    true, replies, limits.commandTimeout());
        }
        if (result.succeeded() && result.output().contains(INSTALLED_LINE)) {
            return;
        }
        throw switchRefused(target, result) ? BootstrapException.credentialsRefused(reason(target, result), null)
                : new BootstrapException(reason(target, result));
    }

    /** su or sudo never let the script run: it never asked for the secret, nor said why it stopped. */
    private static boolean switchRefused(Target target, SshConnection.Result result) {
        String output = result.output();
        return target.switchesUser() && !output.contains(SECRET_PROMPT) && output.lines().noneMatch(l -> l.startsWith(ERROR_LINE));
    }

    /** Why an install failed, from its output: the script's own error line, else su's or sudo's complaint, else the last lines. */
    static String reason(Target target, SshConnection.Result result) {
        String output = result.output();
        Optional<String> scriptError = output.lines().filter(l -> l.startsWith(ERROR_LINE)).reduce((a, b) -> b)
                .map(l -> l.substring(ERROR_LINE.length()));
        String as = "'" + target.runAs().username() + "'";
        if (scriptError.isPresent()) {
            return "installing the agent on " + target.ip() + " as " + as + " failed: " + scriptError.get();
        }
        if (switchRefused(target, result)) {
            return target.become() == Become.SUDO ? sudoRefused(target, output) : suRefused(target, output);
        }
        return "installing the agent on " + target.ip() + " as " + as + " failed (exit status " + result.exitStatus()
                + "): " + Shell.lastLines(output, 3);
    }

    private static String suRefused(Target target, String output) {
        String suSays = output.lines().filter(l -> l.startsWith("su:")).findFirst().orElse(Shell.lastLines(output, 2));
        return "su from '" + target.login().username() + "' to '" + target.runAs().username() + "' on " + target.ip()
                + " refused (" + suSays + "): check the password of " + target.runAs() + ", and that the account may log in";
    }

    private static String sudoRefused(Target target, String output) {
        String login = "'" + target.login().username() + "'";
        String as = "'" + target.runAs().username() + "'";
        String sudoSays = Shell.lastLines(output.replace(SUDO_PROMPT, ""), 2);
        String what;
        if (output.contains("a password is required")) {
            what = "sudo asks " + login + " for a password and " + target.login().role() + " gives none: give it the"
                    + " password, or let the sudoers rule say NOPASSWD";
        } else if (output.contains("incorrect password") || output.contains("Sorry, try again")) {
            what = "sudo refused the password of " + target.login();
        } else if (output.contains("not in the sudoers file") || output.contains("is not allowed to")) {
            what = login + " may not run commands as " + as + " with sudo: add a sudoers rule such as '"
                    + target.login().username() + " ALL=(" + target.runAs().username() + ") NOPASSWD: ALL'";
        } else {
            what = "check that sudo is installed and lets " + login + " run commands as " + as;
        }
        return "sudo from " + login + " to " + as + " on " + target.ip() + " refused (" + sudoSays + "): " + what;
    }

    private void removeQuietly(SshConnection ssh, String staging) {
        try {
            ssh.run("rm -rf " + Shell.quote(staging), limits.commandTimeout());
        } catch (BootstrapException e) {
            LOG.infof("staging directory %s not removed: %s", staging, e.getMessage());
        }
    }
}
