package io.paasoperator.contract;

import io.paasoperator.contract.Problem.FieldError;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The rules an {@link AppSpec} must keep (SPEC.md §2, §7): the apiserver checks them before storing a resource, the
 * agent again before acting on a request, since what it runs reaches a host's shell.
 */
public final class AppSpecRules {

    public static final int MAX_URL = 2048;
    public static final int MAX_METADATA_VALUE = 8192;
    public static final int MAX_TIMEOUT_SECONDS = 86_400;
    public static final int MAX_CHECK_INTERVAL_SECONDS = 3_600;

    private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-fA-F]{64}");
    private static final Set<String> URL_SCHEMES = Set.of("http", "https", "file");

    private AppSpecRules() {
    }

    /** Adds to {@code errors} every rule {@code app} breaks, each named by its path under {@code field}. */
    public static void check(AppSpec app, String field, int maxMetadataEntries, List<FieldError> errors) {
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
        validateMetadata(app.metadata(), field + ".metadata", maxMetadataEntries, errors);
        validateSecretMetadata(app.secretMetadata(), field + ".secret_metadata", maxMetadataEntries, errors);
        if (app.checksums() != null) {
            app.checksums().forEach((file, sum) -> {
                if (!files.contains(file)) {
                    errors.add(new FieldError(field + ".checksums." + file, "names no script or package of this app"));
                } else if (sum == null || !SHA256.matcher(sum).matches()) {
                    errors.add(new FieldError(field + ".checksums." + file, "must be sha256:<64 hex digits>"));
                }
            });
        }
        if (app.checkInterval() != null && (app.checkInterval() < 1 || app.checkInterval() > MAX_CHECK_INTERVAL_SECONDS)) {
            errors.add(new FieldError(field + ".check_interval", "must be 1 to " + MAX_CHECK_INTERVAL_SECONDS + " seconds"));
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

    /** Metadata key endings that mark a value as a secret without being listed in {@code secret_metadata}. */
    public static final List<String> SECRET_ENDINGS = List.of("PASSWD", "PASSWORD", "SECRET", "TOKEN", "KEY");

    /** Whether metadata {@code key} of {@code app} holds a secret: listed as one, or named like one (any case). */
    public static boolean isSecret(AppSpec app, String key) {
        String upper = key.toUpperCase(java.util.Locale.ROOT);
        return (app.secretMetadata() != null && app.secretMetadata().contains(key)) || SECRET_ENDINGS.stream().anyMatch(upper::endsWith);
    }

    private static void validateSecretMetadata(List<String> keys, String field, int maxMetadataEntries, List<FieldError> errors) {
        if (keys == null) {
            return;
        }
        if (keys.size() > maxMetadataEntries) {
            errors.add(new FieldError(field, "lists " + keys.size() + " keys; at most " + maxMetadataEntries + " are allowed"));
            return;
        }
        for (int i = 0; i < keys.size(); i++) {
            if (keys.get(i) == null || !NamingRules.isEnvironmentName(keys.get(i))) {
                errors.add(new FieldError(field + "[" + i + "]", "must be a metadata key ([A-Za-z_][A-Za-z0-9_]*)"));
            }
        }
    }

    private static void validateMetadata(Map<String, String> metadata, String field, int maxMetadataEntries,
            List<FieldError> errors) {
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

    private static String plainFileMessage() {
        return "must be a plain file name (letters, digits, '.', '_', '+', '-'; no '/', no '..')";
    }

    private static String abbreviate(String text) {
        return text.length() > 40 ? text.substring(0, 40) + "…" : text;
    }

    public static <E extends Enum<E> & WireValue> String wireWords(Class<E> type) {
        return Arrays.stream(type.getEnumConstants()).map(WireValue::wire).collect(Collectors.joining(", "));
    }
}
