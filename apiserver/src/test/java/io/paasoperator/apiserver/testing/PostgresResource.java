package io.paasoperator.apiserver.testing;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A real PostgreSQL for the test suite, in a fresh directory under target/. */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {

    private LocalPostgres postgres;

    @Override
    public Map<String, String> start() {
        try {
            Path base = Files.createDirectories(Path.of("target"));
            Path dataDir = Files.createTempDirectory(base, "test-data-");
            postgres = LocalPostgres.start(dataDir.resolve("postgres"));
            Map<String, String> config = new HashMap<>(postgres.datasourceSettings());
            config.put("paas.data-dir", dataDir.toString());
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        try {
            if (postgres != null) {
                postgres.close();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
