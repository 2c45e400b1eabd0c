package io.paasoperator.apiserver.history;

import io.paasoperator.apiserver.context.DatabaseWork;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Drops history older than {@code paas.history.retention} (default 400 days: a changed list a year back still works), and
 * the watch stream's change log older than {@code paas.watch.retention}, every {@code paas.history.purge-every}.
 */
@ApplicationScoped
public class HistoryRetention {

    private static final Logger LOG = Logger.getLogger(HistoryRetention.class);

    private final Duration retention;
    private final Duration changeRetention;
    private final DatabaseWork database;

    public HistoryRetention(@ConfigProperty(name = "paas.history.retention") Duration retention,
            @ConfigProperty(name = "paas.watch.retention") Duration changeRetention, DatabaseWork database) {
        this.retention = retention;
        this.changeRetention = changeRetention;
        this.database = database;
    }

    @Scheduled(every = "${paas.history.purge-every}", delayed = "${paas.history.purge-every}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public Uni<Void> purgeOldEvents() {
        Instant now = Instant.now();
        return purgeBefore(now.minus(retention)).invoke(count -> {
            if (count > 0) {
                LOG.infof("dropped %d history events older than %s", count, retention);
            }
        }).chain(() -> purgeChangesBefore(now.minus(changeRetention))).replaceWithVoid();
    }

    /**
     * Drops the change log up to the newest change older than {@code cutoff}, everything before it included (seqs are
     * dropped as a prefix, so that "older than what is kept" is one number: the horizon a resuming watcher is held to).
     */
    Uni<Integer> purgeChangesBefore(Instant cutoff) {
        return database.transaction(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                        "with cut as (select max(seq) as seq from resource_change where at < :cutoff),"
                                + " dropped as (delete from resource_change where seq <= (select seq from cut))"
                                + " update resource_change_horizon set pruned_through = greatest(pruned_through, (select seq from cut))"
                                + " where (select seq from cut) is not null")
                .setParameter("cutoff", cutoff).executeUpdate()));
    }

    Uni<Long> purgeBefore(Instant cutoff) {
        return database.transaction(() -> ResourceEvent.delete("at < ?1", cutoff));
    }
}
