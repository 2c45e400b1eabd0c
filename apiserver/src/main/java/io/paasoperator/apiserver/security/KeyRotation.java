package io.paasoperator.apiserver.security;

import io.paasoperator.apiserver.resource.HostSpec;
import io.paasoperator.apiserver.resource.ResourceDocuments;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * After a key rotation (PAAS_SECRET_KEY new, PAAS_SECRET_KEY_PREVIOUS old), re-seals every stored password under the
 * current key, each resource in its own compare-and-set write. Runs at start-up, only when previous keys are set;
 * once it has run, the previous keys can be removed from the configuration.
 */
@ApplicationScoped
public class KeyRotation {

    private static final Logger LOG = Logger.getLogger(KeyRotation.class);

    private final ResourceStore store;
    private final ResourceDocuments documents;
    private final SecretCipher cipher;
    private final Vertx vertx;
    private final boolean rotating;

    public KeyRotation(ResourceStore store, ResourceDocuments documents, SecretCipher cipher, Vertx vertx,
            @ConfigProperty(name = "paas.secret-key-previous") Optional<List<String>> previousKeys) {
        this.store = store;
        this.documents = documents;
        this.cipher = cipher;
        this.vertx = vertx;
        this.rotating = previousKeys.map(keys -> keys.stream().anyMatch(k -> !k.isBlank())).orElse(false);
    }

    void onStart(@Observes StartupEvent event) {
        if (!rotating) {
            return;
        }
        Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
        VertxContextSafetyToggle.setContextSafe(context, true);
        context.runOnContext(ignored -> resealAll().subscribe().with(
                count -> LOG.infof("key rotation: re-sealed the passwords of %d resources under the current key", count),
                failure -> LOG.errorf("key rotation did not finish (it runs again at the next start): %s", failure.toString())));
    }

    /** Re-seals what an older key sealed; emits how many resources changed. */
    public Uni<Integer> resealAll() {
        return store.keys().onItem().transformToMulti(keys -> Multi.createFrom().iterable(keys))
                .onItem().transformToUniAndConcatenate(key -> reseal((ResourceKind) key[0], (String) key[1]))
                .collect().asList()
                .map(changed -> (int) changed.stream().filter(Boolean::booleanValue).count());
    }

    private Uni<Boolean> reseal(ResourceKind kind, String name) {
        boolean[] changed = {false};
        return store.update(kind, name, record -> {
            List<HostSpec> hosts = documents.hosts(record);
            boolean stale = hosts.stream().flatMap(h -> h.auth().stream()).anyMatch(c -> cipher.sealedWithOlderKey(c.password()));
            if (stale) {
                record.hosts = documents.storeHosts(hosts.stream().map(h -> h.mapPasswords(cipher::decrypt)).toList());
                changed[0] = true;
            }
        }).map(ignored -> changed[0]);
    }
}
