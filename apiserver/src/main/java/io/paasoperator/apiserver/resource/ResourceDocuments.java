package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.rules.Desired;
import io.paasoperator.apiserver.rules.Summary;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.AppSpecRules;
import jakarta.inject.Singleton;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BinaryOperator;
import java.util.function.UnaryOperator;

/**
 * The JSON documents a {@link ResourceRecord} stores: the app spec with its secret metadata values sealed, and the
 * hosts with their secrets (passwords, private keys) sealed. Opened only where they are about to be used (a call to an agent, an SSH login).
 */
@Singleton
public class ResourceDocuments {

    private final ObjectMapper json;
    private final SecretCipher cipher;
    /** The two stored documents' types, resolved once rather than looked up at every read. */
    private final JavaType appType;
    private final JavaType hostsType;

    public ResourceDocuments(ObjectMapper json, SecretCipher cipher) {
        this.json = json;
        this.cipher = cipher;
        this.appType = json.constructType(AppSpec.class);
        this.hostsType = json.constructType(new TypeReference<List<HostSpec>>() {
        });
    }

    /** A new app spec as stored: its secret metadata values sealed. */
    public String storeApp(AppSpec clear) {
        return write(mapSecrets(clear, cipher::encrypt));
    }

    /** An app spec whose secrets are sealed already, as stored. */
    public String storeSealedApp(AppSpec sealed) {
        return write(sealed);
    }

    /** The app spec as stored: secret metadata values sealed. */
    public AppSpec app(ResourceRecord record) {
        return record.parsedApp.of(record.appSpec, document -> read(document, appType));
    }

    /** The app spec with its secrets open, for the agent that hands them to the scripts. */
    public AppSpec openedApp(ResourceRecord record) {
        return mapSecrets(app(record), this::open);
    }

    /** What any response or event shows of an app spec: secret metadata values read {@value HostSpec#HIDDEN_PASSWORD}. */
    public static AppSpec redacted(AppSpec app) {
        return mapSecrets(app, value -> HostSpec.HIDDEN_PASSWORD);
    }

    /** A stored app spec, its secrets sealed under the current key (an older key's, or clear text from before sealing). */
    public AppSpec resealed(AppSpec stored) {
        return mapSecrets(stored, value -> cipher.isSealed(value) && !cipher.sealedWithOlderKey(value) ? value
                : cipher.encrypt(open(value)));
    }

    /**
     * An update's app spec, sealed: a secret given as {@value HostSpec#HIDDEN_PASSWORD} keeps the value stored under that
     * key, so that a client can GET, edit and PUT. One with nothing stored to keep is refused, naming it.
     */
    public AppSpec keepHiddenMetadata(AppSpec given, AppSpec stored) {
        List<Problem.FieldError> errors = new ArrayList<>();
        Map<String, String> kept = stored.metadata() == null ? Map.of() : stored.metadata();
        AppSpec sealed = mapSecrets(given, (key, value) -> {
            if (!HostSpec.HIDDEN_PASSWORD.equals(value)) {
                return cipher.encrypt(value);
            }
            if (!kept.containsKey(key) || !AppSpecRules.isSecret(stored, key)) {
                errors.add(new Problem.FieldError("app.metadata." + key, HostSpec.HIDDEN_PASSWORD
                        + " keeps a stored secret, and none is stored under '" + key + "'"));
                return value;
            }
            return kept.get(key);
        });
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return sealed;
    }

    /** Whether two stored app specs ask the same of the hosts, secrets compared opened (each sealing is different). */
    public boolean sameApp(AppSpec a, AppSpec b) {
        return mapSecrets(a, this::open).equals(mapSecrets(b, this::open));
    }

    private String open(String stored) {
        return cipher.isSealed(stored) ? cipher.decrypt(stored) : stored;
    }

    private static AppSpec mapSecrets(AppSpec app, UnaryOperator<String> transform) {
        return mapSecrets(app, (key, value) -> transform.apply(value));
    }

    /** The app with each secret metadata value replaced by {@code transform(key, value)}; other values as they are. */
    private static AppSpec mapSecrets(AppSpec app, BinaryOperator<String> transform) {
        if (app.metadata() == null) {
            return app;
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        app.metadata().forEach((key, value) -> metadata.put(key, AppSpecRules.isSecret(app, key) ? transform.apply(key, value) : value));
        return app.withMetadata(metadata);
    }

    public String storeHosts(List<HostSpec> hosts) {
        return write(hosts.stream().map(h -> h.mapSecrets(cipher::encrypt)).toList());
    }

    /** Hosts whose passwords are sealed already (the spec's, or those being removed). */
    public String storeSealedHosts(List<HostSpec> sealed) {
        return write(sealed);
    }

    /** A stored host list, unmodifiable: a record keeps the one it read for whoever asks next. */
    public List<HostSpec> readHosts(String document) {
        return List.copyOf(read(document, hostsType));
    }

    /**
     * An update's hosts, sealed: a password, private key or passphrase given as {@value HostSpec#HIDDEN_PASSWORD} keeps
     * the one stored for that host and user, so that a client can GET, edit and PUT. One with nothing stored to keep is
     * refused, naming it.
     */
    public List<HostSpec> keepHiddenSecrets(List<HostSpec> given, List<HostSpec> stored) {
        List<Problem.FieldError> errors = new ArrayList<>();
        List<HostSpec> sealed = new ArrayList<>();
        for (int i = 0; i < given.size(); i++) {
            HostSpec host = given.get(i);
            HostSpec before = stored.stream().filter(h -> h.ip().equals(host.ip())).findFirst().orElse(null);
            List<HostSpec.Credential> auth = new ArrayList<>();
            for (int j = 0; j < host.auth().size(); j++) {
                HostSpec.Credential credential = host.auth().get(j);
                HostSpec.Credential kept = before == null ? null : before.auth().stream()
                        .filter(c -> c.username().equals(credential.username())).findFirst().orElse(null);
                String field = "host[" + i + "].auth[" + j + "].";
                String whose = "'" + credential.username() + "' on " + host.ip();
                auth.add(new HostSpec.Credential(credential.username(),
                        sealOrKeep(credential.password(), kept == null ? null : kept.password(), field + "password",
                                "password", whose, errors),
                        sealOrKeep(credential.privateKey(), kept == null ? null : kept.privateKey(), field + "private_key",
                                "private key", whose, errors),
                        sealOrKeep(credential.passphrase(), kept == null ? null : kept.passphrase(), field + "passphrase",
                                "passphrase", whose, errors)));
            }
            sealed.add(host.withAuth(auth));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return sealed;
    }

    /** A secret given in clear, sealed; or {@value HostSpec#HIDDEN_PASSWORD}: the stored one (still sealed), if any. */
    private String sealOrKeep(String given, String stored, String field, String what, String whose,
            List<Problem.FieldError> errors) {
        if (!HostSpec.HIDDEN_PASSWORD.equals(given)) {
            return given == null ? null : cipher.encrypt(given);
        }
        if (stored == null) {
            errors.add(new Problem.FieldError(field, HostSpec.HIDDEN_PASSWORD + " keeps a stored " + what
                    + ", and none is stored for " + whose));
        }
        return stored;
    }

    /** Whether two host lists are the same, passwords compared opened (each sealing is different). */
    public boolean sameHosts(List<HostSpec> a, List<HostSpec> b) {
        return a.size() == b.size() && a.stream().map(h -> h.withDefaults().mapSecrets(cipher::decrypt)).toList()
                .equals(b.stream().map(h -> h.withDefaults().mapSecrets(cipher::decrypt)).toList());
    }


    /** Hosts as stored: passwords still encrypted. Decrypt only where one is about to be used. */
    public List<HostSpec> hosts(ResourceRecord record) {
        return record.parsedHosts.of(record.hosts, this::readHosts);
    }

    /** Hosts dropped from the spec and not yet uninstalled, as stored. */
    public List<HostSpec> retiredHosts(ResourceRecord record) {
        return record.parsedRetiredHosts.of(record.retiredHosts, this::readHosts);
    }

    /** The hosts being removed, less {@code ip} (uninstalled, or forgotten), as stored. */
    public String retiredHostsWithout(ResourceRecord record, String ip) {
        return storeSealedHosts(retiredHosts(record).stream().filter(h -> !h.ip().equals(ip)).toList());
    }

    /** How to reach host {@code ip} of the resource, listed or being removed (passwords still sealed); null if neither. */
    public HostSpec hostSpec(ResourceRecord record, String ip) {
        return java.util.stream.Stream.concat(hosts(record).stream(), retiredHosts(record).stream())
                .filter(h -> h.ip().equals(ip)).findFirst().map(HostSpec::withDefaults).orElse(null);
    }

    /** What the resource asks of its hosts. */
    public Desired desired(ResourceRecord record) {
        return record.desired(app(record).restart() != null);
    }

    public ResourceViews.ResourceView view(ResourceRecord record) {
        var status = new ResourceViews.Status(record.expect, record.realtime);
        var detail = new ResourceViews.Detail(record.version, record.generation, record.createdAt, record.updatedAt,
                record.realtimeSince, record.deleting ? Boolean.TRUE : null, record.hostStates(),
                Summary.rollout(desired(record), record.hostStates()));
        List<HostSpec> hosts = hosts(record).stream().map(HostSpec::redacted).toList();
        return new ResourceViews.ResourceView(record.name, record.kind.wire(), hosts,
                new ResourceViews.AppView(redacted(app(record)), status), detail);
    }

    /** The entity tag of a resource's spec: it moves when the spec is written, never with states or reports. */
    public static String etag(ResourceRecord record) {
        return "\"" + record.specVersion + "\"";
    }

    private String write(Object document) {
        try {
            return json.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + document.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(String document, JavaType type) {
        try {
            return json.readValue(document, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored document does not read as " + type, e);
        }
    }
}
