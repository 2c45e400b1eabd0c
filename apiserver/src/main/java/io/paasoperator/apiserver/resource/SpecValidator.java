package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.host.PrivateKeys;
import io.paasoperator.contract.Problem.FieldError;
import io.paasoperator.contract.ProblemException;
import io.paasoperator.contract.AppSpecRules;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.WireValue;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The rules of SPEC.md §2 and §7 for a resource's content. Collects every violation, so one answer names every
 * field to fix. Pure: no I/O (an IP literal is parsed, never resolved).
 */
@jakarta.inject.Singleton
public class SpecValidator {

    static final int MAX_PASSWORD = 1024;
    /** The key the apiserver writes into metadata at create time (seed). */
    public static final String CREATE_AT = "CreateAt";

    private static final Pattern USERNAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");

    private final int maxHosts;
    private final int maxMetadataEntries;

    public SpecValidator(@ConfigProperty(name = "paas.api.max-hosts") int maxHosts,
            @ConfigProperty(name = "paas.api.max-metadata-entries") int maxMetadataEntries) {
        this.maxHosts = maxHosts;
        this.maxMetadataEntries = maxMetadataEntries;
    }

    public CreateRequest validate(RequestReader.RawCreate raw) {
        List<FieldError> errors = new ArrayList<>();
        RequestReader.CreateBody body = raw.body();
        if (body.name() == null) {
            errors.add(new FieldError("name", "is required"));
        } else if (!NamingRules.isResourceName(body.name())) {
            errors.add(new FieldError("name", "must be 1-253 letters, digits, '.', '_' or '-', start and end with a"
                    + " letter or digit, and not be 'create' or 'status'"));
        }
        List<HostSpec> hosts = validateHosts(body.host(), errors);
        if (body.app() == null) {
            errors.add(new FieldError("app", "is required"));
        } else {
            AppSpecRules.check(body.app(), "app", maxMetadataEntries, errors);
        }
        ExpectedState expect = ExpectedState.NOT_INSTALLED;
        RealtimeState realtime = RealtimeState.NOT_INSTALLED;
        if (raw.status() != null) {
            expect = parseState(ExpectedState.class, raw.status().expect(), "app.status.expect", expect, errors);
            realtime = parseState(RealtimeState.class, raw.status().realtime(), "app.status.realtime", realtime, errors);
        }
        int maxInFlight = 1;
        if (body.rollout() != null && body.rollout().maxInFlight() != null) {
            maxInFlight = body.rollout().maxInFlight();
            if (maxInFlight < 1 || maxInFlight > maxHosts) {
                errors.add(new FieldError("rollout.max_in_flight", "must be a whole number from 1 to " + maxHosts));
            }
        }
        if (!errors.isEmpty() || !raw.readErrors().isEmpty()) {
            throw ProblemException.invalid(withReadErrors(raw.readErrors(), errors));
        }
        return new CreateRequest(body.name(), hosts, body.app(), expect, realtime, raw.status() != null, maxInFlight);
    }

    /**
     * The reader's errors, then the validator's about other fields: a value of the wrong type was read as absent, and
     * "is required" for it (or for what it held) would only repeat the reader's error.
     */
    private static List<FieldError> withReadErrors(List<FieldError> readErrors, List<FieldError> errors) {
        List<FieldError> all = new ArrayList<>(readErrors);
        for (FieldError error : errors) {
            boolean repeated = readErrors.stream().anyMatch(read -> error.field().equals(read.field())
                    || error.field().startsWith(read.field() + ".") || error.field().startsWith(read.field() + "["));
            if (!repeated) {
                all.add(error);
            }
        }
        return all;
    }

    private List<HostSpec> validateHosts(List<HostSpec> hosts, List<FieldError> errors) {
        if (hosts == null || hosts.isEmpty()) {
            errors.add(new FieldError("host", "is required: at least one host"));
            return List.of();
        }
        if (hosts.size() > maxHosts) {
            errors.add(new FieldError("host", "lists " + hosts.size() + " hosts; this apiserver manages a resource on at most "
                    + maxHosts));
            return List.of();
        }
        Set<String> seen = new HashSet<>();
        List<HostSpec> withDefaults = new ArrayList<>();
        for (int i = 0; i < hosts.size(); i++) {
            HostSpec host = hosts.get(i);
            String field = "host[" + i + "]";
            if (host == null) {
                errors.add(new FieldError(field, "must be an object"));
                continue;
            }
            if (host.ip() == null) {
                errors.add(new FieldError(field + ".ip", "is required"));
            } else if (!HostSpec.isIpLiteral(host.ip())) {
                errors.add(new FieldError(field + ".ip", "must be an IPv4 or IPv6 address"));
            } else if (!seen.add(host.ip())) {
                errors.add(new FieldError(field + ".ip", "is listed twice"));
            }
            checkPort(host.sshPort(), field + ".ssh_port", errors);
            checkPort(host.agentPort(), field + ".agent_port", errors);
            validateAuth(host, field, errors);
            withDefaults.add(host.withDefaults());
        }
        return withDefaults;
    }

    /** No auth is fine: the host's agent must then be registered, which the reconciler finds out when it gets there. */
    private static void validateAuth(HostSpec host, String field, List<FieldError> errors) {
        List<HostSpec.Credential> auth = host.auth();
        if (auth.size() > 2) {
            errors.add(new FieldError(field + ".auth", "must hold one or two {username, password or private_key} objects, or be"
                    + " left out for a host whose agent is registered (PUT /apis/v1alpha1/hosts/{ip})"));
            return;
        }
        boolean sudo = HostSpec.SUDO.equals(host.become());
        if (host.become() != null && !sudo && !HostSpec.SU.equals(host.become())) {
            errors.add(new FieldError(field + ".become", "must be " + HostSpec.SU + " or " + HostSpec.SUDO));
        } else if (sudo && auth.size() < 2) {
            // su is the default and harmless with one entry (generated clients send defaults); sudo asks for two.
            errors.add(new FieldError(field + ".become", "sudo needs two auth entries: auth[1] logs in and becomes auth[0]"));
        }
        for (int i = 0; i < auth.size(); i++) {
            HostSpec.Credential credential = auth.get(i);
            String at = field + ".auth[" + i + "]";
            if (credential == null) {
                errors.add(new FieldError(at, "must be an object"));
                continue;
            }
            if (credential.username() == null || !USERNAME.matcher(credential.username()).matches()) {
                errors.add(new FieldError(at + ".username", "is required: a user name of up to 32 letters, digits, '_', '.' or '-'"));
            }
            // auth[1] logs in, with a password or a key; auth[0] of two is reached with su (its password) or sudo (nothing).
            boolean logsIn = i == auth.size() - 1;
            if (!logsIn && credential.privateKey() != null) {
                errors.add(new FieldError(at + ".private_key", "is not used: only auth[" + (auth.size() - 1)
                        + "] logs in over SSH, and auth[0] is reached from it with " + (sudo ? HostSpec.SUDO : HostSpec.SU)));
            }
            String password = credential.password();
            if (password == null) {
                if (logsIn && credential.privateKey() == null) {
                    errors.add(new FieldError(at + ".password", "is required, unless a private_key is given"));
                } else if (!logsIn && !sudo) {
                    errors.add(new FieldError(at + ".password", "is required: su asks for it"));
                }
            } else if (password.isEmpty() || password.length() > MAX_PASSWORD || password.chars().anyMatch(Character::isISOControl)) {
                errors.add(new FieldError(at + ".password", "must be 1 to " + MAX_PASSWORD + " characters, with no control"
                        + " characters (su and sudo read one line)"));
            }
            validateKey(credential, at, errors);
        }
    }

    /** A key sent back as ****** is the stored one, checked when it was given. Never echoes a key or passphrase. */
    private static void validateKey(HostSpec.Credential credential, String at, List<FieldError> errors) {
        String passphrase = credential.passphrase();
        if (passphrase != null && (passphrase.isEmpty() || passphrase.length() > MAX_PASSWORD)) {
            errors.add(new FieldError(at + ".passphrase", "must be 1 to " + MAX_PASSWORD + " characters"));
            return;
        }
        if (credential.privateKey() == null) {
            if (passphrase != null) {
                errors.add(new FieldError(at + ".passphrase", "is only used to open a private_key"));
            }
            return;
        }
        if (credential.privateKey().length() > PrivateKeys.MAX_LENGTH) {
            errors.add(new FieldError(at + ".private_key", "must be at most " + PrivateKeys.MAX_LENGTH + " characters"));
        } else if (!HostSpec.HIDDEN_PASSWORD.equals(credential.privateKey())) {
            // A key without a passphrase is opened (cheap); one with a passphrase only checked for its form: opening it
            // may take bcrypt half a second, too long for a request thread. The bootstrap says if the passphrase is wrong.
            try {
                if (passphrase == null) {
                    PrivateKeys.open(credential.privateKey(), null);
                } else {
                    PrivateKeys.checkForm(credential.privateKey());
                }
            } catch (IOException e) {
                errors.add(new FieldError(at + ".private_key", e.getMessage()));
            }
        }
    }

    private static void checkPort(Integer port, String field, List<FieldError> errors) {
        if (port != null && (port < 1 || port > 65_535)) {
            errors.add(new FieldError(field, "must be a port number from 1 to 65535"));
        }
    }

    private static <E extends Enum<E> & WireValue> E parseState(Class<E> type, String text, String field, E absent,
            List<FieldError> errors) {
        if (text == null) {
            return absent;
        }
        return WireValue.parse(type, text).orElseGet(() -> {
            errors.add(new FieldError(field, "must be one of " + AppSpecRules.wireWords(type)));
            return absent;
        });
    }


}
