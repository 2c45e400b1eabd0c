package io.paasoperator.apiserver.bootstrap;

import io.paasoperator.apiserver.agentclient.AgentCallException;
import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.agentclient.AgentEndpoint;
import io.paasoperator.apiserver.bootstrap.AgentVerdict.Decision;
import io.paasoperator.apiserver.bootstrap.AgentVerdict.Known;
import io.paasoperator.apiserver.bootstrap.AgentVerdict.Verdict;
import io.paasoperator.apiserver.host.AgentHost;
import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.agentclient.OperatorAddress;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.security.Secrets;
import io.paasoperator.contract.AgentVersion;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.core.Vertx;
import io.vertx.mutiny.core.WorkerExecutor;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * The agent of each host, ready to take calls: found answering with the right build, or installed over SSH first
 * (SPEC.md §6); a registered agent (installed by other means, SPEC.md §3) is only ever called, never installed.
 * Bootstraps of different hosts run in parallel on a worker pool of their own, never on an event loop; one host is
 * bootstrapped by one replica at a time (a lease in its row). A verified agent is trusted for a while, and looked at
 * again sooner when a call to it fails.
 */
@Singleton
public class HostAgents {

    private static final Logger LOG = Logger.getLogger(HostAgents.class);
    private static final Duration POLL = Duration.ofMillis(250);

    private final HostStore hosts;
    private final AgentClient agents;
    private final AgentBundle bundle;
    private final SecretCipher cipher;
    private final Vertx vertx;
    private final AgentInstaller installer;
    private final WorkerExecutor sshWorkers;
    private final BootstrapSettings settings;
    private final String operatorUrl;
    /** Names this replica as a lease holder. */
    private final String replica = ProcessHandle.current().pid() + "-" + UUID.randomUUID().toString().substring(0, 8);

    private final Map<String, Verified> verified = new ConcurrentHashMap<>();
    /** When each host's agent last answered this replica: one silent for less than the restart grace is left to its keeper. */
    private final Map<String, Instant> answered = new ConcurrentHashMap<>();
    /** The secret each host's agent last refused: a secret stored since (another replica reinstalled) is tried first. */
    private final Map<String, String> refusedSecrets = new ConcurrentHashMap<>();

    /** An agent found ready, until when it is trusted without a look, and whether it is a registered one. */
    private record Verified(AgentEndpoint endpoint, Instant until, boolean registered) {
    }

    public HostAgents(HostStore hosts, AgentClient agents, AgentBundle bundle, SecretCipher cipher, Vertx vertx,
            OperatorAddress operator, BootstrapSettings settings) {
        this.hosts = hosts;
        this.agents = agents;
        this.bundle = bundle;
        this.cipher = cipher;
        this.vertx = vertx;
        this.installer = new AgentInstaller(settings);
        this.sshWorkers = vertx.createSharedWorkerExecutor("paas-bootstrap", settings.maxParallel(),
                settings.lease().toMinutes() + 1, TimeUnit.MINUTES);
        this.settings = settings;
        this.operatorUrl = "http://" + (operator.ip().contains(":") ? "[" + operator.ip() + "]" : operator.ip()) + ":" + operator.port();
    }

    /**
     * The agent of {@code host} (as stored: passwords sealed), installed first when needed, {@code notes} told when that
     * starts and when it ended well. A registered agent (installed by other means) is used as it is, never installed.
     * Fails with a {@link BootstrapException} saying what went wrong, or {@link InstallingElsewhere} while another
     * replica works on it.
     */
    public Uni<AgentEndpoint> ready(HostSpec host, BootstrapNotes notes) {
        Verified known = verified.get(host.ip());
        if (known != null && known.endpoint().port() == host.agentPort() && Instant.now().isBefore(known.until())) {
            return Uni.createFrom().item(known.endpoint());
        }
        return hosts.get(host.ip()).chain(row -> agents.version(host.ip(), host.agentPort())
                .onFailure(AgentCallException.class).recoverWithNull()
                .chain(answer -> row != null && row.registered() ? registered(host, row, answer)
                        : bootstrapped(host, row, answer, notes)));
    }

    /** A registered agent: used when it answers as it should, else the step fails saying why; never installed. */
    private Uni<AgentEndpoint> registered(HostSpec host, AgentHost row, AgentVersion answer) {
        Decision decision = AgentVerdict.decideRegistered(host.ip(), host.agentPort(), row.agentPort, refused(row), answer,
                bundle.version());
        if (decision.verdict() != Verdict.USE) {
            return unusable(host.ip(), new BootstrapException(decision.why()));
        }
        return noteUsable(row, answer)
                .map(ignored -> trust(new AgentEndpoint(host.ip(), host.agentPort(), cipher.decrypt(row.agentSecret)), true));
    }

    /**
     * What a registered agent runs, noted when it changes, and an error of before (it did not answer yet, say) cleared:
     * GET /hosts shows both. Emits false when the registration was replaced meanwhile (nothing written) or the write
     * failed; a failure to note it stops nothing.
     */
    private Uni<Boolean> noteUsable(AgentHost row, AgentVersion answer) {
        boolean news = !Objects.equals(row.agentVersion, answer.version()) || !Objects.equals(row.agentBuild, answer.build())
                || row.lastError != null;
        return news ? hosts.recordRegisteredAgent(row.ip, row.registeredAt, answer.version(), answer.build())
                .onFailure().recoverWithItem(false) : Uni.createFrom().item(true);
    }

    /**
     * Looks at the agent of a host just registered, so that its record says at once whether it can be used: the release
     * and build it answers with, or why not (no answer within {@code within}, an older release than this apiserver's,
     * its secret refused or not taken within {@code within}). What it finds is written only while that registration is
     * the current one: registered again meanwhile, the newer look decides. Never fails; the resources' steps look again
     * whenever they need the agent.
     */
    public Uni<Void> checkRegistered(String ip, Duration within) {
        return hosts.get(ip).chain(row -> row == null || !row.registered() ? Uni.createFrom().voidItem()
                : agents.version(ip, row.agentPort).ifNoItem().after(within).fail()
                        .onItemOrFailure().transformToUni((answer, failure) -> failure instanceof AgentCallException other
                                && other.failure() == AgentCallException.Failure.REFUSED
                                // Something answered, but not as an agent does: what it was says more than "no answer".
                                ? hosts.recordRegisteredError(row.ip, row.registeredAt, other.getMessage(), now()).replaceWithVoid()
                                : checkRegistered(row, failure == null ? answer : null, within)))
                .onFailure().recoverWithNull().replaceWithVoid();
    }

    private Uni<Void> checkRegistered(AgentHost row, AgentVersion answer, Duration within) {
        Decision decision = AgentVerdict.decideRegistered(row.ip, row.agentPort, row.agentPort, false, answer, bundle.version());
        if (decision.verdict() != Verdict.USE) {
            return hosts.recordRegisteredError(row.ip, row.registeredAt, decision.why(), now()).replaceWithVoid();
        }
        AgentEndpoint agent = new AgentEndpoint(row.ip, row.agentPort, cipher.decrypt(row.agentSecret));
        return secretRefusal(agent, within).chain(failure -> {
            if (failure == null) {
                return noteUsable(row, answer).invoke(current -> {
                    if (current) {
                        trust(agent, true);
                    }
                }).replaceWithVoid();
            }
            boolean refused = failure == AgentCallException.Failure.SECRET_REFUSED;
            String why = refused ? AgentVerdict.registeredSecretRefused(row.ip, row.agentPort)
                    : AgentVerdict.registeredSecretUnanswered(row.ip, row.agentPort, within);
            return hosts.recordRegisteredError(row.ip, row.registeredAt, why, now()).invoke(current -> {
                if (current && refused) {
                    distrust(agent, AgentCallException.Failure.SECRET_REFUSED);
                }
            }).replaceWithVoid();
        });
    }

    /**
     * Whether the agent takes its secret: null when it does, else how the call failed. The version needs no secret;
     * asking after an operation no one started does, and any answer but 401 (404, as a rule) passed the agent's gate.
     */
    private Uni<AgentCallException.Failure> secretRefusal(AgentEndpoint agent, Duration within) {
        return agents.operation(agent, UUID.randomUUID().toString()).ifNoItem().after(within).fail()
                .map(unknown -> (AgentCallException.Failure) null)
                .onFailure().recoverWithItem(e -> !(e instanceof AgentCallException failed) ? AgentCallException.Failure.UNREACHABLE
                        : failed.failure() == AgentCallException.Failure.REFUSED ? null : failed.failure());
    }

    /** A registered agent that cannot be used: the host's record says why too, as it does after a failed bootstrap. */
    private <T> Uni<T> unusable(String ip, Exception failure) {
        return hosts.recordError(ip, failure.getMessage(), now()).onFailure().recoverWithNull() // the failure matters more
                .chain(() -> Uni.createFrom().failure(failure));
    }

    /** An agent the bootstrap installed, or is to install: the build it runs is compared with the one carried. */
    private Uni<AgentEndpoint> bootstrapped(HostSpec host, AgentHost row, AgentVersion answer, BootstrapNotes notes) {
        String where = host.ip() + ":" + host.agentPort();
        return sshWorkers.executeBlocking(bundle::packed, false).chain(carried -> {
            Decision decision = AgentVerdict.decide(where, host.agentPort(), known(row), answer, bundle.version(), carried.build());
            return switch (decision.verdict()) {
                case USE -> Uni.createFrom().item(trust(new AgentEndpoint(host.ip(), host.agentPort(),
                        cipher.decrypt(row.agentSecret)), false));
                case REFUSE, WAIT -> Uni.createFrom().failure(new BootstrapException(decision.why()));
                case INSTALL -> host.auth().isEmpty() ? Uni.createFrom().failure(new BootstrapException(decision.why()
                        + ", and " + host.ip() + " has neither a registered agent nor auth to install one over SSH: register its"
                        + " agent (PUT /apis/v1alpha1/hosts/" + host.ip() + ") or give the host auth"))
                        : install(host, row, carried, decision.why(), notes);
            };
        });
    }

    /**
     * Calls the agent of {@code host}, installed first when needed. A call that fails makes the agent looked at again
     * before the next one (and installed again if it refused our secret, unless it is a registered one: then the
     * failure says to register it again).
     */
    public <T> Uni<T> call(HostSpec host, BootstrapNotes notes, Function<AgentEndpoint, Uni<T>> call) {
        return ready(host, notes).chain(agent -> call.apply(agent)
                .invoke(() -> answered.put(agent.ip(), Instant.now()))
                .onFailure(AgentCallException.class).recoverWithUni(e -> {
                    AgentCallException failure = (AgentCallException) e;
                    Verified trusted = verified.get(agent.ip());
                    distrust(agent, failure.failure());
                    return trusted != null && trusted.registered() && failure.failure() == AgentCallException.Failure.SECRET_REFUSED
                            ? unusable(agent.ip(), new AgentCallException(failure.failure(),
                                    AgentVerdict.registeredSecretRefused(agent.ip(), agent.port())))
                            : Uni.createFrom().failure(failure);
                }));
    }

    /** The host's agent was registered (again): what this replica trusted of it, under another secret perhaps, goes. */
    public void forgetVerified(String ip) {
        verified.remove(ip);
        refusedSecrets.remove(ip);
    }

    /** The agent of {@code ip} was heard from (a report with its secret): it is alive, and its keeper with it. */
    public void heardFrom(String ip) {
        answered.put(ip, Instant.now());
    }

    /** The agent of a host as last installed, without looking at it: for calls that may fail harmlessly. */
    public Uni<AgentEndpoint> lastKnown(HostSpec host) {
        return lastKnown(host.ip());
    }

    /** The agent of host {@code ip} as last installed or registered; null when none ever was. */
    public Uni<AgentEndpoint> lastKnown(String ip) {
        return hosts.get(ip).map(row -> row == null || row.agentSecret == null ? null
                : new AgentEndpoint(row.ip, row.agentPort, cipher.decrypt(row.agentSecret)));
    }

    /**
     * A call to this agent failed: look at it again before the next one. One that refused its secret is installed
     * again, unless the host's record holds another secret by then (another replica reinstalled it meanwhile).
     */
    void distrust(AgentEndpoint agent, AgentCallException.Failure failure) {
        verified.remove(agent.ip());
        if (failure == AgentCallException.Failure.SECRET_REFUSED) {
            refusedSecrets.put(agent.ip(), agent.secret());
        }
    }

    private Known known(AgentHost row) {
        if (row == null || row.installedAt == null) {
            return Known.NOTHING;
        }
        Instant lastAnswer = answered.get(row.ip);
        return new Known(row.agentPort, row.agentSecret != null, refused(row),
                lastAnswer != null && Instant.now().isBefore(lastAnswer.plus(settings.restartGrace())));
    }

    /** Whether the agent refused the secret the host's record holds now. */
    private boolean refused(AgentHost row) {
        String refused = refusedSecrets.get(row.ip);
        return refused != null && row.agentSecret != null && refused.equals(cipher.decrypt(row.agentSecret));
    }

    private AgentEndpoint trust(AgentEndpoint endpoint, boolean registered) {
        answered.put(endpoint.ip(), Instant.now());
        verified.put(endpoint.ip(), new Verified(endpoint, Instant.now().plus(settings.verifyEvery()), registered));
        return endpoint;
    }

    private Uni<AgentEndpoint> install(HostSpec host, AgentHost row, AgentBundle.Packed packed, String why, BootstrapNotes notes) {
        String ip = host.ip();
        Instant now = now();
        return hosts.claimLease(ip, host.agentPort(), replica, now.plus(settings.lease()), now).chain(claimed -> {
            if (!claimed) {
                return Uni.createFrom().failure(new InstallingElsewhere(ip));
            }
            LOG.infof("installing the agent on %s: %s", ip, why);
            AgentInstaller.Target target = target(host);
            // An agent that still holds our secret keeps it, so that an unchanged agent need not restart.
            boolean keepSecret = row != null && row.agentSecret != null && !refused(row);
            String secret = keepSecret ? cipher.decrypt(row.agentSecret) : Secrets.generate();
            String pinned = row == null ? null : row.sshHostKey;
            return tell(notes, "installing the agent on " + ip + " as '" + target.runAs().username() + "': " + why)
                    .chain(() -> sshWorkers.executeBlocking(() -> new Done(packed.build(), installer.install(target, packed, secret, pinned)), false)
                        .onFailure(BootstrapException.class).call(e -> pin(ip, pinned, ((BootstrapException) e).presentedHostKey())
                                .chain(() -> hosts.recordError(ip, e.getMessage(), now())))
                        .call(done -> pin(ip, pinned, done.hostKey()).chain(() -> hosts.recordInstall(ip,
                                new HostStore.Installed(host.agentPort(), target.runAs().username(), bundle.version(), done.build()),
                                cipher.encrypt(secret), secret, now())))
                        .call(done -> awaitAnswer(target, done.build(), now().plus(settings.answerTimeout()))
                                .onFailure(BootstrapException.class).call(e -> hosts.recordError(ip, e.getMessage(), now())))
                        .call(done -> {
                            refusedSecrets.remove(ip);
                            String installed = "agent build " + done.build() + " installed on " + ip + " and answering after "
                                    + Duration.between(now, now()).toSeconds() + "s";
                            LOG.info(installed);
                            return tell(notes, installed);
                        })
                        .map(done -> trust(new AgentEndpoint(ip, host.agentPort(), secret), false)))
                    .onTermination().call(() -> hosts.releaseLease(ip, replica));
        });
    }

    private record Done(String build, String hostKey) {
    }

    /** A note that cannot be written (the database away for a moment) does not fail the bootstrap it tells of. */
    private static Uni<Void> tell(BootstrapNotes notes, String message) {
        return notes.note(message).onFailure().recoverWithUni(e -> {
            LOG.infof("bootstrap note not recorded (%s): %s", e.getMessage(), message);
            return Uni.createFrom().voidItem();
        });
    }

    private Uni<Void> pin(String ip, String pinned, String presented) {
        return pinned != null || presented == null ? Uni.createFrom().voidItem() : hosts.pinIfUnpinned(ip, presented, now());
    }

    /** Polls /version until the new build answers: the agent is up, and it is the one just installed. */
    private Uni<Void> awaitAnswer(AgentInstaller.Target target, String build, Instant deadline) {
        return agents.version(target.ip(), target.agentPort()).onFailure(AgentCallException.class).recoverWithNull()
                .chain(answer -> {
                    if (answer != null && build.equals(answer.build())) {
                        return Uni.createFrom().voidItem();
                    }
                    if (Instant.now().isAfter(deadline)) {
                        return Uni.createFrom().failure(new BootstrapException(notAnswering(target, build, answer)));
                    }
                    return pause(POLL).chain(() -> awaitAnswer(target, build, deadline));
                });
    }

    /** A pause that resumes on the caller's Vert.x context, where the next database call must run. */
    private Uni<Void> pause(Duration duration) {
        return Uni.createFrom().emitter(emitter -> vertx.setTimer(duration.toMillis(), id -> emitter.complete(null)));
    }

    private String notAnswering(AgentInstaller.Target target, String build, AgentVersion answer) {
        String where = target.ip() + ":" + target.agentPort();
        String seen = answer == null ? "nothing answers at " + where
                : "another agent answers at " + where + " (build " + answer.build() + " of " + answer.version() + ")";
        return "the agent (build " + build + ") was installed on " + target.ip() + " as '" + target.runAs().username()
                + "' but does not answer within " + settings.answerTimeout().toSeconds() + "s: " + seen
                + "; its log is ~/.paas-agent/agent.log of that account";
    }

    /** One account: it logs in and runs the agent. Two: auth[1] logs in, auth[0] runs the agent (SPEC.md §2). */
    private AgentInstaller.Target target(HostSpec host) {
        List<HostSpec.Credential> auth = host.auth();
        Account runAs = account(auth.get(0), "auth[0]");
        Account login = auth.size() > 1 ? account(auth.get(1), "auth[1]") : runAs;
        return new AgentInstaller.Target(host.ip(), host.sshPort(), host.agentPort(), settings.agentBind().orElse(host.ip()), operatorUrl,
                login, runAs, host.becomesWithSudo() ? AgentInstaller.Become.SUDO : AgentInstaller.Become.SU);
    }

    private Account account(HostSpec.Credential credential, String role) {
        HostSpec.Credential opened = credential.mapSecrets(cipher::decrypt);
        return new Account(opened.username(), opened.password(), opened.privateKey(), opened.passphrase(), role);
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }

    @PreDestroy
    void close() {
        sshWorkers.close().subscribe().with(ok -> { }, e -> { });
    }

    /** Another replica holds this host's bootstrap lease: wait for it, do not fail the resource. */
    public static final class InstallingElsewhere extends RuntimeException {
        InstallingElsewhere(String ip) {
            super("another apiserver replica is installing the agent on " + ip, null, false, false);
        }
    }
}
