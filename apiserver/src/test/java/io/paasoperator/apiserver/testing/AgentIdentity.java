package io.paasoperator.apiserver.testing;

import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.security.Secrets;
import io.quarkus.arc.Arc;
import io.quarkus.vertx.VertxContextSupport;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The secret of a host's agent, for @QuarkusTests that play the agent's part (health reports, action results):
 * recorded through the same store the bootstrap writes, as if an agent had been installed on that host.
 */
public final class AgentIdentity {

    private static final Map<String, String> SECRETS = new ConcurrentHashMap<>();

    private AgentIdentity() {
    }

    /** "Bearer <secret>" of the agent on {@code ip}; the first call records the host. */
    public static String bearer(String ip) {
        return "Bearer " + SECRETS.computeIfAbsent(ip, AgentIdentity::record);
    }

    private static String record(String ip) {
        HostStore hosts = Arc.container().instance(HostStore.class).get();
        SecretCipher cipher = Arc.container().instance(SecretCipher.class).get();
        String secret = Secrets.generate();
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        String holder = "test-" + ProcessHandle.current().pid();
        try {
            VertxContextSupport.subscribeAndAwait(() -> hosts.claimLease(ip, 3335, holder, now.plusSeconds(60), now)
                    .chain(() -> hosts.recordInstall(ip, new HostStore.Installed(3335, "paas", "test", "test-build"),
                            cipher.encrypt(secret), secret, now))
                    .chain(() -> hosts.releaseLease(ip, holder)));
        } catch (Throwable e) {
            throw new IllegalStateException("cannot record an agent for " + ip, e);
        }
        return secret;
    }
}
