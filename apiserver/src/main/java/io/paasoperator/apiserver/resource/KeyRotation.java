package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ResourceKind;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * After a key rotation (PAAS_SECRET_KEY new, PAAS_SECRET_KEY_PREVIOUS old), re-seals every stored host credential,
 * secret metadata value and agent secret under the current key, each row in its own compare-and-set write. Runs once at start-up, before the apiserver
 * serves, and only when previous keys are set; after it, the previous keys can be removed from the configuration.
 */
@ApplicationScoped
public class KeyRotation {

    private static final Logger LOG = Logger.getLogger(KeyRotation.class);

    private final ResourceStore store;
    private final HostStore hosts;
    private final ResourceDocuments documents;
    private final SecretCipher cipher;
    private final boolean rotating;

    public KeyRotation(ResourceStore store, HostStore hosts, ResourceDocuments documents, SecretCipher cipher,
            @ConfigProperty(name = "paas.secret-key-previous") Optional<List<String>> previousKeys) {
        this.store = store;
        this.hosts = hosts;
        this.documents = documents;
        this.cipher = cipher;
        this.rotating = previousKeys.map(keys -> keys.stream().anyMatch(k -> !k.isBlank())).orElse(false);
    }

    /** Start-up runs on the main thread: waiting here keeps the event loops free and serves nothing half-rotated. */
    void onStart(@Observes StartupEvent event) throws Throwable {
        if (rotating) {
            int count = VertxContextSupport.subscribeAndAwait(this::resealAll);
            LOG.infof("key rotation: %d resources and hosts re-sealed under the current key", count);
        }
    }

    /** Re-seals what an older key sealed; emits how many resources and hosts changed. */
    public Uni<Integer> resealAll() {
        Uni<List<Boolean>> resources = store.keys().onItem().transformToMulti(keys -> Multi.createFrom().iterable(keys))
                .onItem().transformToUniAndConcatenate(key -> reseal((ResourceKind) key[0], (String) key[1]))
                .collect().asList();
        Uni<List<Boolean>> agentSecrets = hosts.list().onItem().transformToMulti(rows -> Multi.createFrom().iterable(rows))
                .filter(row -> row.agentSecret != null && cipher.sealedWithOlderKey(row.agentSecret))
                .onItem().transformToUniAndConcatenate(row -> hosts.reseal(row.ip, row.agentSecret,
                        cipher.encrypt(cipher.decrypt(row.agentSecret))))
                .collect().asList();
        return resources.chain(changedResources -> agentSecrets.map(changedHosts -> (int) Stream
                .concat(changedResources.stream(), changedHosts.stream()).filter(Boolean::booleanValue).count()));
    }

    private Uni<Boolean> reseal(ResourceKind kind, String name) {
        boolean[] changed = {false};
        return store.update(kind, name, record -> {
            List<HostSpec> hosts = documents.hosts(record);
            List<HostSpec> retired = documents.retiredHosts(record);
            if (sealedWithOlderKey(hosts) || sealedWithOlderKey(retired)) {
                record.hosts = documents.storeHosts(opened(hosts));
                record.retiredHosts = documents.storeHosts(opened(retired));
                changed[0] = true;
            }
            AppSpec app = documents.app(record);
            AppSpec resealed = documents.resealed(app);
            if (!resealed.equals(app)) {
                record.appSpec = documents.storeSealedApp(resealed);
                changed[0] = true;
            }
        }).map(ignored -> changed[0]);
    }

    private boolean sealedWithOlderKey(List<HostSpec> hosts) {
        return hosts.stream().flatMap(h -> h.auth().stream()).flatMap(HostSpec.Credential::secrets).anyMatch(cipher::sealedWithOlderKey);
    }

    private List<HostSpec> opened(List<HostSpec> hosts) {
        return hosts.stream().map(h -> h.mapSecrets(cipher::decrypt)).toList();
    }
}
