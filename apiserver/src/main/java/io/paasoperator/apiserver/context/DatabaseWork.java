package io.paasoperator.apiserver.context;

import io.paasoperator.contract.ProblemException;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.CompositeException;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.UniEmitter;
import io.vertx.core.Vertx;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.SqlClient;
import io.vertx.mutiny.sqlclient.SqlConnection;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.net.SocketException;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * Runs database work so that a database that goes away for a moment (a restart, a fail-over) costs no request an error:
 * each attempt runs in a session of its own, on a {@link FreshContexts fresh context}, and work the lost connection
 * cannot have stored anything of is tried again for a few seconds. What still fails for that reason is a 503, never a
 * 500: "try again", or, for a commit whose answer was lost, "read it back first".
 * <p>
 * The pool learns that PostgreSQL closed a connection only when its event loop reads the close; a connection handed out
 * before that fails at its first statement (BEGIN). Such a failure is a connection that was dead before use, and the
 * next attempt takes another.
 * <p>
 * The reconciler's writes ({@link #onOneConnection}) are the exception: tried again whole on a lost connection, also
 * after a commit, since the reconciler applies its change anew to what it finds and its rules find their step taken.
 * <p>
 * The hot routes ({@link #query}, {@link #sqlTransaction}) run SQL on the reactive pool directly, with the same rules:
 * a Hibernate Reactive session (its persistence context, flush and dirty check, one Vert.x context of its own) costs
 * more than the statements of a one-row read or write.
 */
@Singleton
public class DatabaseWork {

    private static final Logger LOG = Logger.getLogger(DatabaseWork.class);
    /** How long work is tried again while the database is unreachable: a restart takes a second or two. */
    private static final Duration KEEP_TRYING = Duration.ofSeconds(5);
    private static final long FIRST_DELAY_MS = 50;
    private static final long MAX_DELAY_MS = 1000;
    /** PostgreSQL's errors for a connection that is gone or not taken: class 08, and 57P01-57P03 (shutdown, starting up). */
    private static final Set<String> UNAVAILABLE_STATES = Set.of("57P01", "57P02", "57P03");
    /** The pg client's own words for a connection it already knows is closed (it throws no dedicated type for these). */
    private static final String UNIQUE_VIOLATION = "23505";
    private static final List<String> CLOSED_CONNECTION_MESSAGES = List.of("Connection is not active now",
            "Pending requests failed to be sent due to connection has been closed");

    private final FreshContexts contexts;
    private final Vertx vertx;
    private final Pool pool;

    public DatabaseWork(FreshContexts contexts, Vertx vertx, Pool pool) {
        this.contexts = contexts;
        this.vertx = vertx;
        this.pool = pool;
    }

    /** Reads in a session of its own; tried again while the database is unreachable (a read changes nothing). */
    public <T> Uni<T> read(Supplier<Uni<T>> work) {
        return retrying(() -> contexts.run(() -> Panache.withSession(work::get)));
    }

    /**
     * One transaction, in a session of its own. Lost before its commit was sent, the connection took the transaction
     * with it (PostgreSQL rolls back what a vanished client left open), so it is run again; lost while committing, the
     * outcome is unknown, and the caller is told so (503) rather than having it applied twice, or a create answer
     * 409 for its own row.
     */
    public <T> Uni<T> transaction(Supplier<Uni<T>> work) {
        return retrying(() -> {
            AtomicBoolean committing = new AtomicBoolean();
            // Flushed here, so that nothing but the COMMIT itself is left once the flag is set.
            return unknownIfLostCommitting(contexts.run(() -> Panache.withTransaction(() -> work.get().call(Panache::flush)
                            .invoke(() -> committing.set(true)))), committing);
        });
    }

    /**
     * {@link #read}, as SQL on the pool: no session. Tried again while the database is unreachable: for reads, and for a
     * single statement that may run twice (it autocommits: a lost answer leaves its outcome unknown).
     */
    public <T> Uni<T> query(Function<SqlClient, Uni<T>> work) {
        return retrying(() -> work.apply(pool));
    }

    /**
     * {@link #query} on one connection of the pool, without a transaction: statements that follow each other (a read, then
     * a write compared on what it read) wait for the pool once. Tried again whole on a lost connection, as {@link #query}.
     */
    public <T> Uni<T> onOneConnection(Function<SqlConnection, Uni<T>> work) {
        return retrying(() -> pool.withConnection(work));
    }

    /** {@link #transaction}, as SQL on one connection of the pool: no session; the same rules for a lost connection. */
    public <T> Uni<T> sqlTransaction(Function<SqlConnection, Uni<T>> work) {
        return retrying(() -> {
            AtomicBoolean committing = new AtomicBoolean();
            return unknownIfLostCommitting(pool.withTransaction(connection -> work.apply(connection)
                    .invoke(() -> committing.set(true))), committing);
        });
    }

    /** A connection lost once only the COMMIT was left: the outcome is unknown, and the caller is told so (503). */
    private static <T> Uni<T> unknownIfLostCommitting(Uni<T> work, AtomicBoolean committing) {
        return work.onFailure(failure -> committing.get() && connectionLost(failure)).transform(failure -> {
            LOG.warnf("the connection to the database was lost while committing; outcome unknown: %s", rootMessage(failure));
            return ProblemException.unavailable("the connection to the database was lost while this change was"
                    + " being committed: it may or may not have been stored; read it back before trying again");
        });
    }

    private <T> Uni<T> retrying(Supplier<Uni<T>> attempt) {
        return Uni.createFrom().emitter(emitter -> {
            AtomicBoolean cancelled = new AtomicBoolean();
            emitter.onTermination(() -> cancelled.set(true));
            attempt(attempt, emitter, cancelled, System.nanoTime() + KEEP_TRYING.toNanos(), FIRST_DELAY_MS);
        });
    }

    /**
     * Runs one attempt; on a lost connection, the next one after {@code delayMs}, on the caller's context (a Vert.x timer),
     * unless the caller is gone.
     */
    private <T> void attempt(Supplier<Uni<T>> attempt, UniEmitter<? super T> emitter, AtomicBoolean cancelled, long deadline,
            long delayMs) {
        attempt.get().subscribe().with(emitter::complete, failure -> {
            if (!connectionLost(failure) || cancelled.get()) {
                emitter.fail(failure);
            } else if (System.nanoTime() + delayMs * 1_000_000 > deadline) {
                LOG.warnf("the database is unreachable; answering 503: %s", rootMessage(failure));
                emitter.fail(ProblemException.unavailable("the database is unreachable at the moment; nothing was changed:"
                        + " try again shortly"));
            } else {
                vertx.setTimer(delayMs, id -> attempt(attempt, emitter, cancelled, deadline, Math.min(delayMs * 2, MAX_DELAY_MS)));
            }
        });
    }

    /**
     * True when {@code failure} (or anything it wraps or carries suppressed) says that the connection to PostgreSQL was
     * lost or could not be made: nothing about the work itself.
     */
    private static boolean connectionLost(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Deque<Throwable> toSee = new ArrayDeque<>(List.of(failure));
        while (!toSee.isEmpty()) {
            Throwable t = toSee.pop();
            if (!seen.add(t)) {
                continue;
            }
            // The transport's failures: refused or reset (SocketException), a closed channel, and a broken pipe, which NIO
            // throws as a bare IOException (never a subclass: those say more, e.g. unreadable JSON).
            if (t instanceof ClosedConnectionException || t instanceof SocketException || t instanceof ClosedChannelException
                    || t.getClass() == IOException.class) {
                return true;
            }
            if (t instanceof PgException pg && pg.getSqlState() != null
                    && (pg.getSqlState().startsWith("08") || UNAVAILABLE_STATES.contains(pg.getSqlState()))) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && CLOSED_CONNECTION_MESSAGES.stream().anyMatch(message::startsWith)) {
                return true;
            }
            if (t.getCause() != null) {
                toSee.push(t.getCause());
            }
            if (t instanceof CompositeException composite) {
                composite.getCauses().forEach(toSee::push);
            }
            List.of(t.getSuppressed()).forEach(toSee::push);
        }
        return false;
    }

    /** True when {@code failure} (or what it wraps) is PostgreSQL refusing a row that a unique constraint forbids. */
    public static boolean isUniqueViolation(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof PgException pg && UNIQUE_VIOLATION.equals(pg.getSqlState())) {
                return true;
            }
            if (t instanceof org.hibernate.exception.ConstraintViolationException cve && UNIQUE_VIOLATION.equals(cve.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static String rootMessage(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.toString();
    }
}
