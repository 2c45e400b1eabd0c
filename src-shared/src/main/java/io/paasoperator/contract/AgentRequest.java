package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The body of every call to the agent ({@code POST /{action}}), flat as the seed writes it: which application, where
 * to report, and its {@link AppSpec}. {@code metadata} also carries REPO_URL and PACKAGE for the seed's scripts.
 *
 * @param operatorPort a string in the seed ("3335"); a number is accepted too
 * @param checkInterval seconds between health checks; null for the agent's default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AgentRequest(
        String name,
        ResourceKind type,
        @JsonProperty("operator_ip") String operatorIp,
        @JsonProperty("operator_port") String operatorPort,
        @JsonProperty("repo_url") String repoUrl,
        String install,
        String start,
        String stop,
        String restart,
        String uninstall,
        String check,
        @JsonProperty("package") String packageFile,
        Map<String, String> metadata,
        Map<String, String> checksums,
        Map<String, Integer> timeouts,
        @JsonProperty("check_interval") Integer checkInterval) {

    /** The request the apiserver sends for one application; the app's own check interval wins over the default. */
    public static AgentRequest of(String name, ResourceKind type, String operatorIp, int operatorPort, AppSpec app,
            Integer defaultCheckInterval) {
        Map<String, String> metadata = new LinkedHashMap<>(app.metadata() == null ? Map.of() : app.metadata());
        metadata.put("REPO_URL", app.repoUrl());
        if (app.packageFile() != null) {
            metadata.put("PACKAGE", app.packageFile());
        }
        return new AgentRequest(name, type, operatorIp, String.valueOf(operatorPort), app.repoUrl(), app.install(),
                app.start(), app.stop(), app.restart(), app.uninstall(), app.check(), app.packageFile(), metadata,
                app.checksums(), app.timeouts(), app.checkInterval() != null ? app.checkInterval() : defaultCheckInterval);
    }

    public AppSpec app() {
        return new AppSpec(repoUrl, install, start, stop, restart, check, uninstall, packageFile, metadata, checksums,
                timeouts, checkInterval);
    }
}
