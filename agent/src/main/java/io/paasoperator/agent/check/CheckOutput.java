package io.paasoperator.agent.check;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.paasoperator.agent.script.ScriptResult;
import io.paasoperator.contract.CheckReport;
import java.io.IOException;
import java.util.Optional;

/**
 * Reads a check script's verdict. The script prints {@code {"code":"0","msg":"…"}}, possibly among other output; the
 * last such object wins. A check that times out, exits non-zero or prints no verdict is unhealthy, and the message
 * says which — a broken check is never mistaken for a healthy application, nor dropped.
 */
public final class CheckOutput {

    /** The code the agent reports when the script gave none it could use. */
    public static final String AGENT_FAILURE_CODE = "1";
    private static final int MESSAGE_MAX = 1000;
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckOutput() {
    }

    public static CheckReport verdict(ScriptResult result, long timeoutSeconds) {
        if (result.timedOut()) {
            return new CheckReport(AGENT_FAILURE_CODE, "check script timed out after " + timeoutSeconds + "s");
        }
        Optional<CheckReport> printed = lastReport(result.output());
        if (result.exitCode() != 0) {
            String said = printed.map(r -> ": " + r.msg()).orElse("");
            String code = printed.map(CheckReport::code).filter(c -> !c.equals(CheckReport.HEALTHY_CODE)).orElse(AGENT_FAILURE_CODE);
            return new CheckReport(code, bounded("check script exited " + result.exitCode() + said));
        }
        return printed.map(r -> new CheckReport(r.code(), bounded(r.msg())))
                .orElseGet(() -> new CheckReport(AGENT_FAILURE_CODE, bounded(
                        "check script printed no {\"code\",\"msg\"} verdict; its output ended: " + ending(result.output()))));
    }

    /** The last JSON object in {@code output} that has a scalar {@code code}. */
    static Optional<CheckReport> lastReport(String output) {
        for (int start = output.lastIndexOf('{'); start >= 0; start = output.lastIndexOf('{', start - 1)) {
            try (JsonParser parser = JSON.createParser(output.substring(start))) {
                JsonNode node = JSON.readTree(parser);
                if (node != null && node.isObject() && node.path("code").isValueNode() && !node.path("code").isNull()) {
                    JsonNode msg = node.path("msg");
                    return Optional.of(new CheckReport(node.get("code").asText(), msg.isMissingNode() || msg.isNull() ? "" : msg.asText()));
                }
            } catch (IOException notJsonHere) {
                // keep looking further back
            }
            if (start == 0) {
                break;
            }
        }
        return Optional.empty();
    }

    private static String ending(String output) {
        String trimmed = output.strip();
        return trimmed.isEmpty() ? "(nothing)" : trimmed.substring(Math.max(0, trimmed.length() - 200));
    }

    private static String bounded(String message) {
        return message.length() > MESSAGE_MAX ? message.substring(0, MESSAGE_MAX) : message;
    }
}
