package io.paasoperator.apiserver.history;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/** Drops history older than {@code paas.history.retention} (default 400 days: a changed list a year back still works). */
@ApplicationScoped
public class HistoryRetention {

    private static final Logger LOG = Logger.getLogger(HistoryRetention.class);

    private final Duration retention;
    private final DatabaseWork database;

    public HistoryRetention(@ConfigProperty(name = "paas.history.retention") Duration retention, DatabaseWork database) {
        this.retention = retention;
        this.database = database;
    }

    @Scheduled(every = "1h", delayed = "1m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> purgeOldEvents() {
        return purgeBefore(Instant.now().minus(retention)).invoke(count -> {
            if (count > 0) {
                LOG.infof("dropped %d history events older than %s", count, retention);
            }
        }).replaceWithVoid();
    }

    Uni<Long> purgeBefore(Instant cutoff) {
        return database.transaction(() -> ResourceEvent.delete("at < ?1", cutoff));
    }
}
