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
     * Drops the change log up to the newest final change older than {@code cutoff}, everything before it in the log's
     * order included (V9__change_log_order.sql): what is dropped is a prefix, so that "older than what is kept" is one
     * position, the horizon a resuming watcher is held to.
     */
    Uni<Integer> purgeChangesBefore(Instant cutoff) {
        return database.transaction(() -> Panache.getSession().chain(session -> session.createNativeQuery(
                        "with cut as (select writer, seq from resource_change where at < :cutoff"
                                + " and writer < pg_snapshot_xmin(pg_current_snapshot()) order by writer desc, seq desc limit 1),"
                                + " dropped as (delete from resource_change c using cut where (c.writer, c.seq) <= (cut.writer, cut.seq)"
                                + " returning c.seq)"
                                + " update resource_change_horizon set pruned_writer = cut.writer, pruned_seq = cut.seq,"
                                + " pruned_through = greatest(pruned_through, (select max(seq) from dropped)) from cut")
                .setParameter("cutoff", cutoff).executeUpdate()));
    }

    Uni<Long> purgeBefore(Instant cutoff) {
        // How much of the table lies before the cutoff decides the plan: this one statement is planned for the value
        // given (the connections plan every other once, for any values), else it would read the whole table each time.
        return database.transaction(() -> Panache.getSession()
                .chain(session -> session.createNativeQuery("select set_config('plan_cache_mode', 'auto', true)")
                        .getSingleResult())
                .chain(() -> ResourceEvent.delete("at < ?1", cutoff)));
    }
}
