package io.paasoperator.apiserver.security;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.apiserver.testing.ApiClientToken;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Runs after every other test (failsafe orders classes by @Order) and reads every log the suite produced — the
 * in-process apiserver's, and every apiserver and agent process's — for the passwords and tokens the suite used.
 * One appearing anywhere fails the build.
 */
@Order(Integer.MAX_VALUE)
class LogAuditIT {

    /**
     * The seed's passwords, the tests' own (pw-…, pg-secret-…, the SSH accounts' ssh-pw-…, registered agents'), any
     * private key's text and the tests' key passphrases (key-pass-…), and every API token the suite configured. Agents'
     * secrets are checked against their own logs where they are known (SshTestHost).
     */
    private static final List<Pattern> SECRETS = List.of(
            Pattern.compile(Pattern.quote("root123")),
            Pattern.compile(Pattern.quote("ssh123")),
            Pattern.compile(Pattern.quote("MYSQL123")),
            Pattern.compile(Pattern.quote("NGINX123")),
            Pattern.compile("pw-[A-Za-z]+-\\d+-\\d+"),
            Pattern.compile("pg-secret-\\d+"),
            Pattern.compile("ssh-pw-\\d+"),
            Pattern.compile("PRIVATE KEY-----"),
            Pattern.compile("key-pass-\\d+"),
            Pattern.compile("registered-secret-\\d+"), // RegisteredAgentIT's agents
            Pattern.compile("s3cr3t-"), // HostRegistrationTest's
            Pattern.compile(Pattern.quote(ApiClientToken.TOKEN)),
            Pattern.compile("test-token-next"),
            Pattern.compile("test-viewer-token-0001"),
            Pattern.compile("test-operator-token-01"),
            Pattern.compile("meta-secret-\\d"),
            Pattern.compile("it-token-\\d+"),
            Pattern.compile("dashboard-token-\\d+")); // DashboardIT's

    @Test
    void noPasswordOrTokenReachesAnyLog() throws IOException {
        List<Path> logs = new ArrayList<>();
        logs.add(Path.of("target", "quarkus-test.log"));
        for (Path dir : List.of(Path.of("target", "it-logs"), Path.of("..", "agent", "target", "it-logs"))) {
            if (Files.isDirectory(dir)) {
                try (Stream<Path> files = Files.list(dir)) {
                    files.filter(p -> p.toString().endsWith(".log")).forEach(logs::add);
                }
            }
        }
        assertTrue(Files.exists(logs.get(0)), "the in-process test log is missing: did the unit tests run?");
        assertTrue(logs.size() > 5, "too few logs to audit: " + logs);
        List<String> hits = new ArrayList<>();
        for (Path log : logs) {
            String text = Files.readString(log);
            for (Pattern secret : SECRETS) {
                Matcher m = secret.matcher(text);
                if (m.find()) {
                    int line = text.substring(0, m.start()).split("\n", -1).length;
                    hits.add(log + ":" + line + " contains " + secret.pattern());
                }
            }
        }
        System.out.println("log audit: " + logs.size() + " logs read, " + hits.size() + " secrets found");
        assertTrue(hits.isEmpty(), String.join("\n", hits));
    }
}
