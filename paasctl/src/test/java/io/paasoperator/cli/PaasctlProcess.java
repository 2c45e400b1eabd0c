package io.paasoperator.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The built paasctl ({@code java -jar paasctl/target/quarkus-app/quarkus-run.jar}) run as a separate process, as a
 * user or a script runs it: its environment is only what a test gives it (HOME, PAAS_*), its output captured whole.
 */
final class PaasctlProcess {

    static final Path JAR = Path.of(System.getProperty("paasctl.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath();

    /** One finished run. */
    record Result(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }

    private PaasctlProcess() {
    }

    static ProcessBuilder builder(Map<String, String> env, List<String> args) {
        assertTrue(Files.exists(JAR), "build paasctl first (./mvnw package -pl paasctl): " + JAR);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
                JAR.toString()));
        command.addAll(args);
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().keySet().removeIf(k -> k.startsWith("PAAS_") || k.startsWith("QUARKUS_") || k.equals("XDG_CONFIG_HOME"));
        builder.environment().putAll(env);
        return builder;
    }

    /** Runs paasctl to its end (at most 3 minutes: a --wait inside has its own, shorter, --timeout). */
    static Result run(Map<String, String> env, Path workDir, String... args) throws IOException, InterruptedException {
        return run(env, workDir, Path.of("/dev/null"), args);
    }

    /** {@link #run(Map, Path, String...)} with {@code input} as its standard input. */
    static Result run(Map<String, String> env, Path workDir, Path input, String... args) throws IOException, InterruptedException {
        Path stdout = Files.createTempFile(workDir, "stdout", ".txt");
        Path stderr = Files.createTempFile(workDir, "stderr", ".txt");
        Process process = builder(env, List.of(args)).redirectInput(ProcessBuilder.Redirect.from(input.toFile()))
                .redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
        if (!process.waitFor(3, TimeUnit.MINUTES)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("paasctl " + String.join(" ", args) + " did not end within 3 minutes:\n"
                    + Files.readString(stderr));
        }
        Result result = new Result(process.exitValue(), Files.readString(stdout, StandardCharsets.UTF_8),
                Files.readString(stderr, StandardCharsets.UTF_8));
        Files.delete(stdout);
        Files.delete(stderr);
        return result;
    }
}
