package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/**
 * Where an application's scripts and package live and what they are called: the {@code app} part of a
 * resource, minus its status. The apiserver stores it; the agent receives it with every action.
 *
 * @param metadata environment handed to every script (may hold passwords: never log values)
 * @param checksums file name to {@code sha256:<hex>}, verified after download
 * @param timeouts action name to seconds, overriding the agent's defaults
 * @param checkInterval seconds between two health checks, overriding the apiserver's default; null for that default
 * @param secretMetadata metadata keys whose values are secrets besides those named like one (see
 *     {@link AppSpecRules#isSecret}): sealed at rest, shown as ******, handed to scripts only
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AppSpec(
        @JsonProperty("repo_url") String repoUrl,
        String install,
        String start,
        String stop,
        String restart,
        String check,
        String uninstall,
        @JsonProperty("package") String packageFile,
        Map<String, String> metadata,
        Map<String, String> checksums,
        Map<String, Integer> timeouts,
        @JsonProperty("check_interval") Integer checkInterval,
        @JsonProperty("secret_metadata") List<String> secretMetadata) {

    /** The script that performs {@code action}, or null when the resource has none (only restart is optional). */
    public String scriptFor(Action action) {
        return switch (action) {
            case INSTALL -> install;
            case START -> start;
            case STOP -> stop;
            case RESTART -> restart;
            case UNINSTALL -> uninstall;
            case CHECK -> check;
        };
    }

    public AppSpec withMetadata(Map<String, String> newMetadata) {
        return new AppSpec(repoUrl, install, start, stop, restart, check, uninstall, packageFile,
                newMetadata, checksums, timeouts, checkInterval, secretMetadata);
    }
}
