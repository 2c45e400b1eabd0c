package io.paasoperator.clients;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Redocly CLI's recommended ruleset (no redocly.yaml: nothing is configured or switched off) on the document the apiserver
 * build wrote. Errors fail the build; warnings are printed with the rest of its output.
 */
class OpenApiLintIT {

    static final Path DOCUMENT = Path.of(System.getProperty("openapi.document", "../apiserver/target/openapi/openapi.json"))
            .toAbsolutePath().normalize();

    @Test
    void theDocumentHasNoLintErrors() throws Exception {
        assertTrue(Files.exists(DOCUMENT), "the apiserver build writes the document: " + DOCUMENT);
        assertTrue(Files.isDirectory(ClientFlowIT.TS_DIR.resolve("node_modules")), "npm ci runs in pre-integration-test");

        ClientFlowIT.Run lint = ClientFlowIT.run(List.of("node", "node_modules/@redocly/cli/bin/cli.js", "lint", DOCUMENT.toString()),
                // No usage report to Redocly, no check for a newer version: the build talks to nothing but loopback.
                Map.of("REDOCLY_TELEMETRY", "off", "REDOCLY_SUPPRESS_UPDATE_NOTICE", "true"), 120);
        System.out.println("redocly lint " + DOCUMENT + ":\n" + lint.output());

        assertEquals(0, lint.exitCode(), "redocly lint exits 0 only without errors:\n" + lint.output());
        assertTrue(lint.output().contains("Your API description is valid"), lint.output());
        assertFalse(lint.output().matches("(?s).*\\d+ errors?\\b.*"), "no error is reported:\n" + lint.output());
        assertTrue(lint.output().contains("No configurations were provided -- using built in recommended configuration"),
                "the recommended ruleset, as built in, is the one applied:\n" + lint.output());
    }
}
