package io.paasoperator.apiserver.resource;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.contract.AppSpec;
import jakarta.inject.Singleton;
import java.util.List;

/** The JSON documents a {@link ResourceRecord} stores: the app spec, and the hosts with their passwords encrypted. */
@Singleton
public class ResourceDocuments {

    private static final TypeReference<List<HostSpec>> HOSTS = new TypeReference<>() {
    };

    private final ObjectMapper json;
    private final SecretCipher cipher;

    public ResourceDocuments(ObjectMapper json, SecretCipher cipher) {
        this.json = json;
        this.cipher = cipher;
    }

    public String storeApp(AppSpec app) {
        return write(app);
    }

    public AppSpec app(ResourceRecord record) {
        return read(record.appSpec, json.getTypeFactory().constructType(AppSpec.class));
    }

    public String storeHosts(List<HostSpec> hosts) {
        return write(hosts.stream().map(h -> h.mapPasswords(cipher::encrypt)).toList());
    }

    /** Hosts as stored: passwords still encrypted. Decrypt only where one is about to be used. */
    public List<HostSpec> hosts(ResourceRecord record) {
        return read(record.hosts, json.getTypeFactory().constructType(HOSTS));
    }

    public ResourceViews.ResourceView view(ResourceRecord record) {
        var status = new ResourceViews.Status(record.expect, record.realtime);
        var lastCheck = record.checkAt == null ? null
                : new ResourceViews.LastCheck(record.checkCode, record.checkMsg, record.checkAt);
        var inFlight = record.inFlightAction == null ? null : new ResourceViews.InFlight(record.inFlightAction,
                record.inFlightHost, record.inFlightOperation, record.inFlightSince, record.inFlightDeadline);
        var detail = new ResourceViews.Detail(record.version, record.createdAt, record.updatedAt, record.realtimeSince,
                record.restartRequested, lastCheck, inFlight, record.failureCount, record.lastError, record.nextRetryAt);
        List<HostSpec> hosts = hosts(record).stream().map(HostSpec::redacted).toList();
        return new ResourceViews.ResourceView(record.name, record.kind.wire(), hosts,
                new ResourceViews.AppView(app(record), status), detail);
    }

    private String write(Object document) {
        try {
            return json.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize " + document.getClass().getSimpleName(), e);
        }
    }

    private <T> T read(String document, com.fasterxml.jackson.databind.JavaType type) {
        try {
            return json.readValue(document, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("stored document does not read as " + type, e);
        }
    }
}
