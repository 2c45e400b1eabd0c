package io.paasoperator.apiserver.context;

import io.quarkus.logging.LoggingFilter;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops one known false alarm: when the reactive pool fails to get a connection for a query run on the pool itself
 * (Quarkus' readiness check does so), the Vert.x SQL client leaves that query's 30 s timer running, and the timer then
 * fails the already failed query once more: "Uncaught exception received by Vert.x: IllegalStateException: Result is
 * already complete" at ERROR, half a minute after every readiness probe made during a database outage
 * (eclipse-vertx/vertx-sql-client#1706). The caller had its answer already; nothing is lost. Every other record passes.
 */
@LoggingFilter(name = "stale-pool-timer")
public final class StalePoolTimerFilter implements Filter {

    private static final String POOL = "io.vertx.sqlclient.impl.pool.SqlConnectionPool";

    @Override
    public boolean isLoggable(LogRecord record) {
        Throwable thrown = record.getThrown();
        return !(thrown instanceof IllegalStateException && "Result is already complete".equals(thrown.getMessage())
                && List.of(thrown.getStackTrace()).stream().anyMatch(frame -> frame.getClassName().equals(POOL)));
    }
}
