package io.paasoperator.contract;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The body of every call to the agent ({@code POST /{action}}), flat as the seed writes it: which application, where
 * to report, and its {@link AppSpec}. {@code metadata} also carries REPO_URL and PACKAGE for the seed's scripts.
 *
 * @param operatorPort a string in the seed ("3335"); a number is accepted too
 * @param checkInterval seconds between health checks; null for the agent's default
 * @param operationId the apiserver's name for this action (SPEC.md §5): the same id sent twice is one operation,
 *     never a second run of the script; null lets the agent choose one (a seed-style caller)
 * @param hostIp this host's address as the resource lists it (HOST_IP for scripts)
 * @param hostIndex this host's 0-based place in the resource's host list (HOST_INDEX)
 * @param hosts every host of the resource, in order (HOSTS, comma-separated)
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
        @JsonProperty("check_interval") Integer checkInterval,
        @JsonProperty("operation_id") String operationId,
        @JsonProperty("host_ip") String hostIp,
        @JsonProperty("host_index") Integer hostIndex,
        List<String> hosts) {

    /** Where in a resource's host list the receiving host stands. */
    public record Placement(String hostIp, int hostIndex, List<String> hosts) {
    }

    /**
     * The request the apiserver sends for one application on one of its hosts; the app's own check interval wins over
     * the default.
     */
    public static AgentRequest of(String name, ResourceKind type, String operatorIp, int operatorPort, AppSpec app,
            Integer defaultCheckInterval, Placement placement) {
        Map<String, String> metadata = new LinkedHashMap<>(app.metadata() == null ? Map.of() : app.metadata());
        metadata.put("REPO_URL", app.repoUrl());
        if (app.packageFile() != null) {
            metadata.put("PACKAGE", app.packageFile());
        }
        return new AgentRequest(name, type, operatorIp, String.valueOf(operatorPort), app.repoUrl(), app.install(),
                app.start(), app.stop(), app.restart(), app.uninstall(), app.check(), app.packageFile(), metadata,
                app.checksums(), app.timeouts(), app.checkInterval() != null ? app.checkInterval() : defaultCheckInterval,
                null, placement.hostIp(), placement.hostIndex(), List.copyOf(placement.hosts()));
    }

    /** The same request, named as the operation {@code id}. */
    public AgentRequest withOperationId(String id) {
        return new AgentRequest(name, type, operatorIp, operatorPort, repoUrl, install, start, stop, restart, uninstall,
                check, packageFile, metadata, checksums, timeouts, checkInterval, id, hostIp, hostIndex, hosts);
    }

    /** The same request, with the apiserver at {@code ip}:{@code port} (where reports and results go). */
    public AgentRequest withOperator(String ip, String port) {
        return new AgentRequest(name, type, ip, port, repoUrl, install, start, stop, restart, uninstall,
                check, packageFile, metadata, checksums, timeouts, checkInterval, operationId, hostIp, hostIndex, hosts);
    }

    public AppSpec app() {
        return new AppSpec(repoUrl, install, start, stop, restart, check, uninstall, packageFile, metadata, checksums,
                timeouts, checkInterval, null);
    }
}
