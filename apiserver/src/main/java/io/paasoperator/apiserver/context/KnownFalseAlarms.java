package io.paasoperator.apiserver.context;

import io.quarkus.logging.LoggingFilter;
import java.util.List;
import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Drops log records known to be false alarms, each matched narrowly; every other record passes.
 * <ul>
 * <li>When the reactive pool fails to get a connection for a query run on the pool itself (Quarkus' readiness check
 * does so), the Vert.x SQL client leaves that query's 30 s timer running, and the timer then fails the already failed
 * query once more: "Uncaught exception received by Vert.x: IllegalStateException: Result is already complete" at
 * ERROR, half a minute after every readiness probe made during a database outage (eclipse-vertx/vertx-sql-client#1706).
 * The caller had its answer already; nothing is lost.</li>
 * <li>At every start, Quarkus registers the PostgreSQL client's {@code postgresql.queue.size} gauge twice, and
 * Micrometer warns that the second registration is ignored (quarkusio/quarkus#47504). The gauge is there once, as
 * it should be.</li>
 * <li>A client that connects while the apiserver stops (a watch resumes at once when its stream ends) can meet Vert.x
 * 4's acceptor still open after its event loops closed: Netty warns "Failed to register an accepted channel" with an
 * IllegalStateException from {@code VertxEventLoopGroup.next} and a stack trace, once per such connection
 * (eclipse-vertx/vert.x#6087, fixed in Vert.x 5). The connection is refused, as it would be a moment later; the client
 * connects again.</li>
 * </ul>
 */
@LoggingFilter(name = "known-false-alarms")
public final class KnownFalseAlarms implements Filter {

    private static final String POOL = "io.vertx.sqlclient.impl.pool.SqlConnectionPool";
    private static final String METER_REGISTRY = "io.micrometer.core.instrument.MeterRegistry";
    private static final String SERVER_BOOTSTRAP = "io.netty.bootstrap.ServerBootstrap";
    private static final String EVENT_LOOP_GROUP = "io.vertx.core.net.impl.VertxEventLoopGroup";

    @Override
    public boolean isLoggable(LogRecord record) {
        return !staleTimer(record) && !gaugeRegisteredTwice(record) && !acceptedWhileStopping(record);
    }

    private static boolean staleTimer(LogRecord record) {
        Throwable thrown = record.getThrown();
        return thrown instanceof IllegalStateException && "Result is already complete".equals(thrown.getMessage())
                && List.of(thrown.getStackTrace()).stream().anyMatch(frame -> frame.getClassName().equals(POOL));
    }

    private static boolean acceptedWhileStopping(LogRecord record) {
        Throwable thrown = record.getThrown();
        String message = record.getMessage();
        return SERVER_BOOTSTRAP.equals(record.getLoggerName()) && message != null
                && message.startsWith("Failed to register an accepted channel") && thrown instanceof IllegalStateException
                && thrown.getStackTrace().length > 0 && thrown.getStackTrace()[0].getClassName().equals(EVENT_LOOP_GROUP);
    }

    private static boolean gaugeRegisteredTwice(LogRecord record) {
        String message = record.getMessage();
        return METER_REGISTRY.equals(record.getLoggerName()) && message != null
                && message.startsWith("This Gauge has been already registered (MeterId{name='postgresql.queue.size'");
    }
}
