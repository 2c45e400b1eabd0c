package io.paasoperator.contract;

import java.util.Set;
import java.util.regex.Pattern;

/** The shapes of names both programs refuse to go beyond: a script name or a metadata key reaches a host's shell. */
public final class NamingRules {

    public static final int MAX_RESOURCE_NAME = 253;
    public static final int MAX_FILE_NAME = 255;
    public static final int MAX_ENV_NAME = 128;

    /** Path words a resource name cannot take: they are routes of their own. */
    public static final Set<String> RESERVED_RESOURCE_NAMES = Set.of("create", "status");

    /** Names the agent sets itself for every script; a resource cannot override them. */
    public static final Set<String> AGENT_ENVIRONMENT = Set.of("APP_NAME", "APP_TYPE", "APP_HOME", "REPO_URL", "PACKAGE",
            "HOST_IP", "HOST_INDEX", "HOSTS");

    private static final Pattern RESOURCE_NAME = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?");
    private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9._+-]+");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    /** An operation id becomes part of a log file's name and of URLs on both sides: no "." or "..", no "/". */
    private static final Pattern OPERATION_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    /** What {@link #isOperationId} takes, in words. */
    public static final String OPERATION_ID_RULE = "1-64 of A-Z, a-z, 0-9, '.', '_' and '-', starting with a letter or digit";

    private NamingRules() {
    }

    public static boolean isResourceName(String name) {
        return name != null && name.length() <= MAX_RESOURCE_NAME && RESOURCE_NAME.matcher(name).matches()
                && !RESERVED_RESOURCE_NAMES.contains(name);
    }

    /** A bare file name: no directory part, no "." or "..", nothing a shell would read specially. */
    public static boolean isPlainFileName(String name) {
        return name != null && name.length() <= MAX_FILE_NAME && FILE_NAME.matcher(name).matches()
                && !name.equals(".") && !name.equals("..");
    }

    public static boolean isOperationId(String id) {
        return id != null && OPERATION_ID.matcher(id).matches();
    }

    public static boolean isEnvironmentName(String name) {
        return name != null && name.length() <= MAX_ENV_NAME && ENV_NAME.matcher(name).matches();
    }
}
