package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.problem.Problem.FieldError;
import io.paasoperator.apiserver.problem.ProblemException;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.NamingRules;
import io.paasoperator.contract.RealtimeState;
import io.paasoperator.contract.WireValue;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The rules of SPEC.md §2 and §7 for a resource's content. Collects every violation, so one answer names every
 * field to fix. Pure: no I/O (an IP literal is parsed, never resolved).
 */
@jakarta.inject.Singleton
public class SpecValidator {

    static final int MAX_URL = 2048;
    static final int MAX_PASSWORD = 1024;
    static final int MAX_METADATA_VALUE = 8192;
    static final int MAX_TIMEOUT_SECONDS = 86_400;
    /** The key the apiserver writes into metadata at create time (seed). */
    public static final String CREATE_AT = "CreateAt";

    private static final Pattern IPV4 = Pattern.compile(
            "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern IPV6_CHARS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");
    private static final Pattern USERNAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}");
    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-fA-F]{64}");
    private static final Set<String> URL_SCHEMES = Set.of("http", "https", "file");

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
            validateApp(body.app(), "app", errors);
        }
        ExpectedState expect = ExpectedState.NOT_INSTALLED;
        RealtimeState realtime = RealtimeState.NOT_INSTALLED;
        if (raw.status() != null) {
            expect = parseState(ExpectedState.class, raw.status().expect(), "app.status.expect", expect, errors);
            realtime = parseState(RealtimeState.class, raw.status().realtime(), "app.status.realtime", realtime, errors);
        }
        if (!errors.isEmpty()) {
            throw ProblemException.invalid(errors);
        }
        return new CreateRequest(body.name(), hosts, body.app(), expect, realtime);
    }

    /** Checks an app spec on its own (also for updates of a stored resource's spec). */
    public void validateApp(AppSpec app, String field, List<FieldError> errors) {
        validateRepoUrl(app.repoUrl(), field + ".repo_url", errors);
        Set<String> files = new HashSet<>();
        for (Action action : Action.values()) {
            String script = app.scriptFor(action);
            String scriptField = field + "." + action.wire();
            if (script == null) {
                if (action != Action.RESTART) { // without a restart script, restart is stop then start
                    errors.add(new FieldError(scriptField, "is required: the file name of the " + action.wire() + " script"));
                }
            } else if (!NamingRules.isPlainFileName(script)) {
                errors.add(new FieldError(scriptField, plainFileMessage()));
            } else {
                files.add(script);
            }
        }
        if (app.packageFile() != null) {
            if (NamingRules.isPlainFileName(app.packageFile())) {
                files.add(app.packageFile());
            } else {
                errors.add(new FieldError(field + ".package", plainFileMessage()));
            }
        }
        validateMetadata(app.metadata(), field + ".metadata", errors);
        if (app.checksums() != null) {
            app.checksums().forEach((file, sum) -> {
                if (!files.contains(file)) {
                    errors.add(new FieldError(field + ".checksums." + file, "names no script or package of this app"));
                } else if (sum == null || !SHA256.matcher(sum).matches()) {
                    errors.add(new FieldError(field + ".checksums." + file, "must be sha256:<64 hex digits>"));
                }
            });
        }
        if (app.timeouts() != null) {
            app.timeouts().forEach((action, seconds) -> {
                if (WireValue.parse(Action.class, action).isEmpty()) {
                    errors.add(new FieldError(field + ".timeouts." + action, "is not an action; actions: " + wireWords(Action.class)));
                } else if (seconds == null || seconds < 1 || seconds > MAX_TIMEOUT_SECONDS) {
                    errors.add(new FieldError(field + ".timeouts." + action, "must be 1 to " + MAX_TIMEOUT_SECONDS + " seconds"));
                }
            });
        }
    }

    private List<HostSpec> validateHosts(List<HostSpec> hosts, List<FieldError> errors) {
        if (hosts == null || hosts.isEmpty()) {
            errors.add(new FieldError("host", "is required: at least one host"));
            return List.of();
        }
        if (hosts.size() > maxHosts) {
            errors.add(new FieldError("host", "has " + hosts.size() + " entries; at most " + maxHosts + " are allowed"));
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
            } else if (!isIpLiteral(host.ip())) {
                errors.add(new FieldError(field + ".ip", "must be an IPv4 or IPv6 address"));
            } else if (!seen.add(host.ip())) {
                errors.add(new FieldError(field + ".ip", "is listed twice"));
            }
            checkPort(host.sshPort(), field + ".ssh_port", errors);
            checkPort(host.agentPort(), field + ".agent_port", errors);
            validateAuth(host.auth(), field + ".auth", errors);
            withDefaults.add(host.withDefaults());
        }
        return withDefaults;
    }

    private static void validateAuth(List<HostSpec.Credential> auth, String field, List<FieldError> errors) {
        if (auth == null || auth.isEmpty() || auth.size() > 2) {
            errors.add(new FieldError(field, "must hold one or two {username, password} pairs"));
            return;
        }
        for (int i = 0; i < auth.size(); i++) {
            HostSpec.Credential credential = auth.get(i);
            String at = field + "[" + i + "]";
            if (credential == null) {
                errors.add(new FieldError(at, "must be an object"));
                continue;
            }
            if (credential.username() == null || !USERNAME.matcher(credential.username()).matches()) {
                errors.add(new FieldError(at + ".username", "is required: a user name of up to 32 letters, digits, '_', '.' or '-'"));
            }
            String password = credential.password();
            if (password == null || password.isEmpty()) {
                errors.add(new FieldError(at + ".password", "is required"));
            } else if (password.length() > MAX_PASSWORD || password.indexOf('\0') >= 0) {
                errors.add(new FieldError(at + ".password", "must be at most " + MAX_PASSWORD + " characters, with no NUL"));
            }
        }
    }

    private static void validateRepoUrl(String url, String field, List<FieldError> errors) {
        if (url == null || url.isBlank()) {
            errors.add(new FieldError(field, "is required"));
            return;
        }
        if (url.length() > MAX_URL) {
            errors.add(new FieldError(field, "is longer than " + MAX_URL + " characters"));
            return;
        }
        try {
            URI uri = new URI(url);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase();
            if (!URL_SCHEMES.contains(scheme)) {
                errors.add(new FieldError(field, "must be an http, https or file URL"));
            } else if (!scheme.equals("file") && (uri.getHost() == null || uri.getHost().isEmpty())) {
                errors.add(new FieldError(field, "must name a host"));
            } else if (uri.getUserInfo() != null) {
                errors.add(new FieldError(field, "must not carry credentials: they would travel to every host in clear"));
            }
        } catch (URISyntaxException e) {
            errors.add(new FieldError(field, "is not a valid URL: " + e.getReason()));
        }
    }

    private void validateMetadata(Map<String, String> metadata, String field, List<FieldError> errors) {
        if (metadata == null) {
            return;
        }
        if (metadata.size() > maxMetadataEntries) {
            errors.add(new FieldError(field, "has " + metadata.size() + " entries; at most " + maxMetadataEntries + " are allowed"));
            return;
        }
        metadata.forEach((key, value) -> {
            String at = field + "." + key;
            if (!NamingRules.isEnvironmentName(key)) {
                errors.add(new FieldError(field, "key '" + abbreviate(key) + "' is not an environment variable name ([A-Za-z_][A-Za-z0-9_]*)"));
            } else if (NamingRules.AGENT_ENVIRONMENT.contains(key)) {
                errors.add(new FieldError(at, "is set by the agent for every script; choose another name"));
            } else if (value == null) {
                errors.add(new FieldError(at, "must be a string"));
            } else if (value.length() > MAX_METADATA_VALUE || value.indexOf('\0') >= 0) {
                errors.add(new FieldError(at, "must be at most " + MAX_METADATA_VALUE + " characters, with no NUL"));
            }
        });
    }

    /** An address literal: never resolved, so no DNS lookup can block or leak. */
    static boolean isIpLiteral(String ip) {
        if (IPV4.matcher(ip).matches()) {
            return true;
        }
        if (!ip.contains(":") || !IPV6_CHARS.matcher(ip).matches()) {
            return false;
        }
        try {
            return InetAddress.getByName(ip) != null; // a literal with ':' is parsed, not looked up
        } catch (UnknownHostException e) {
            return false;
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
            errors.add(new FieldError(field, "must be one of " + wireWords(type)));
            return absent;
        });
    }

    static <E extends Enum<E> & WireValue> String wireWords(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireValue::wire).collect(Collectors.joining(", "));
    }

    private static String plainFileMessage() {
        return "must be a plain file name (letters, digits, '.', '_', '+', '-'; no '/', no '..')";
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }
}
