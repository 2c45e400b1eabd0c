package io.paasoperator.agent.script;

import io.paasoperator.contract.AgentRequest;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The environment a script gets: a few of the agent's own variables a shell needs, the resource's metadata, and the
 * variables the agent sets itself ({@link io.paasoperator.contract.NamingRules#AGENT_ENVIRONMENT}), which metadata
 * cannot override. Nothing else of the agent's environment (its secret included) reaches a script.
 */
public final class ScriptEnvironment {

    private static final List<String> INHERITED = List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "TZ", "SHELL");
    private static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private ScriptEnvironment() {
    }

    public static Map<String, String> of(AgentRequest request, Path appHome) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String name : INHERITED) {
            String value = System.getenv(name);
            if (value != null) {
                env.put(name, value);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        if (request.metadata() != null) {
            env.putAll(request.metadata());
        }
        env.put("APP_NAME", request.name());
        env.put("APP_TYPE", request.type().wire());
        env.put("APP_HOME", appHome.toString());
        env.put("REPO_URL", request.repoUrl());
        setOrRemove(env, "PACKAGE", request.packageFile());
        setOrRemove(env, "HOST_IP", request.hostIp());
        setOrRemove(env, "HOST_INDEX", request.hostIndex() == null ? null : request.hostIndex().toString());
        setOrRemove(env, "HOSTS", request.hosts() == null ? null : String.join(",", request.hosts()));
        return env;
    }

    /** Without a value of the agent's own, a name stays unset: metadata cannot fill it in. */
    private static void setOrRemove(Map<String, String> env, String name, String value) {
        if (value != null) {
            env.put(name, value);
        } else {
            env.remove(name);
        }
    }
}
