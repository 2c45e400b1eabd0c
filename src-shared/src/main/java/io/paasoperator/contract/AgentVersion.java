package io.paasoperator.contract;

/**
 * What an agent answers on {@code GET /version}: the release it was built from, and the build the apiserver's
 * bootstrap installed (the digest of the uploaded bundle; null for an agent started by hand).
 */
public record AgentVersion(String version, String build) {
}
