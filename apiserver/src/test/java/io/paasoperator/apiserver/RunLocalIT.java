package io.paasoperator.apiserver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/run-local}, README's zero-configuration command, up to the {@code java} it starts: a {@code java} first on
 * the PATH prints what the apiserver would be given instead of running it (and hands anything else, a build, to the
 * real one). The apiserver itself, so started, is {@link ApiserverProcessIT}'s.
 */
class RunLocalIT {

    private static final Path REPOSITORY = Path.of("").toAbsolutePath().getParent();

    @TempDir
    Path work;

    @Test
    void agentsReportToTheAddressTheApiserverListensOn() throws Exception {
        assertEquals("127.0.0.5", launch(Map.of("QUARKUS_HTTP_HOST", "127.0.0.5")).get("OPERATOR_IP"));
    }

    @Test
    void listeningEverywhereAgentsReportOverLoopback() throws Exception {
        assertEquals("127.0.0.1", launch(Map.of()).get("OPERATOR_IP"));
        assertEquals("127.0.0.1", launch(Map.of("QUARKUS_HTTP_HOST", "0.0.0.0")).get("OPERATOR_IP"));
    }

    @Test
    void anOperatorAddressGivenIsKeptAndTheJvmOptionsAreTheFilesOwn() throws Exception {
        Map<String, String> given = launch(Map.of("QUARKUS_HTTP_HOST", "127.0.0.5", "OPERATOR_IP", "192.0.2.10"));
        assertEquals("192.0.2.10", given.get("OPERATOR_IP"));
        String options = Files.readAllLines(REPOSITORY.resolve("apiserver/jvm.options")).stream()
                .filter(line -> !line.startsWith("#")).findFirst().orElseThrow();
        assertTrue(given.get("ARGS").startsWith(options + " -jar "), given.get("ARGS"));
    }

    /** Runs bin/run-local with {@code environment} added; answers what its {@code java} was given. */
    private Map<String, String> launch(Map<String, String> environment) throws Exception {
        Path bin = Files.createDirectories(work.resolve("bin"));
        String realJava = ProcessHandle.current().info().command().orElseThrow();
        Files.writeString(bin.resolve("java"), "#!/bin/sh\n"
                + "for a; do case \"$a\" in *quarkus-run.jar) echo \"OPERATOR_IP=$OPERATOR_IP\"; echo \"ARGS=$*\"; exit 0 ;; esac; done\n"
                + "exec '" + realJava + "' \"$@\"\n");
        Files.setPosixFilePermissions(bin.resolve("java"), PosixFilePermissions.fromString("rwx------"));
        ProcessBuilder run = new ProcessBuilder(REPOSITORY.resolve("bin/run-local").toString()).redirectErrorStream(true);
        run.environment().keySet().removeAll(List.of("QUARKUS_HTTP_HOST", "OPERATOR_IP", "JAVA_OPTS"));
        run.environment().putAll(environment);
        run.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        Process process = run.start();
        String output = new String(process.getInputStream().readAllBytes());
        assertTrue(process.waitFor(5, TimeUnit.MINUTES), output);
        assertEquals(0, process.exitValue(), output);
        Map<String, String> printed = new HashMap<>();
        output.lines().filter(line -> line.contains("=")).forEach(line -> printed.put(line.substring(0, line.indexOf('=')),
                line.substring(line.indexOf('=') + 1)));
        assertTrue(printed.containsKey("ARGS"), "the apiserver was not started: " + output);
        return printed;
    }
}
