package io.paasoperator.apiserver.watch;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.paasoperator.contract.ResourceKind;
import io.paasoperator.contract.WireValue;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.pubsub.PgSubscriber;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Singleton;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * One {@code LISTEN resource_change} connection per apiserver process, whichever replica made the change, fanned out to
 * this process's watchers. A notification only nudges: each watcher reads what is new from the change log itself, so a
 * notification lost (while this connection is re-made) costs nothing but the nudge that every watcher gets once it is
 * back. The number of open watch streams is the gauge {@code paas_watch_streams}.
 */
@Singleton
public class ChangeNotifications {

    static final String CHANNEL = "resource_change";
    private static final Logger LOG = Logger.getLogger(ChangeNotifications.class);
    private static final long RECONNECT_DELAY_MS = 1000;
    private static final long CLOSE_WAIT_MS = 2000;

    /**
     * A watcher: its kind, the context it runs on, and what to do when a change of that kind may be new. The change's seq
     * in the payload says nothing of where it falls in the log's order (V9__change_log_order.sql): a watcher looks anyway.
     */
    public record Listener(ResourceKind kind, Context context, Runnable nudge) {
    }

    private final Vertx vertx;
    private final String url;
    private final Optional<String> username;
    private final Optional<String> password;
    private final Set<Listener> listeners = ConcurrentHashMap.newKeySet();
    private PgSubscriber subscriber;
    private volatile boolean stopped;

    public ChangeNotifications(Vertx vertx, MeterRegistry metrics, @ConfigProperty(name = "quarkus.datasource.reactive.url") String url,
            @ConfigProperty(name = "quarkus.datasource.username") Optional<String> username,
            @ConfigProperty(name = "quarkus.datasource.password") Optional<String> password) {
        this.vertx = vertx;
        this.url = url;
        this.username = username;
        this.password = password;
        metrics.gaugeCollectionSize("paas.watch.streams", Tags.empty(), listeners);
    }

    void start(@Observes StartupEvent started) {
        PgConnectOptions options = PgConnectOptions.fromUri(url);
        username.ifPresent(options::setUser);
        password.ifPresent(options::setPassword);
        // A connection lost once made is made again by the subscriber itself, every second, for as long as it takes.
        subscriber = PgSubscriber.subscriber(vertx, options).reconnectPolicy(attempts -> RECONNECT_DELAY_MS);
        subscriber.channel(CHANNEL).handler(this::notified).subscribeHandler(ignored -> listening());
        connect();
    }

    private void connect() {
        subscriber.connect().onFailure(failure -> {
            if (stopped) {
                return;
            }
            LOG.warnf("cannot listen for resource changes yet (%s); trying again", failure.getMessage());
            // A subscriber whose first connection failed takes no other connect() until it is closed (PgSubscriberImpl):
            // without this, the next try never happened, and no watch heard of a change.
            subscriber.close();
            vertx.setTimer(RECONNECT_DELAY_MS, ignored -> {
                if (!stopped) {
                    connect();
                }
            });
        });
    }

    /** After each LISTEN: the first, and every one the subscriber makes after a lost connection. */
    private void listening() {
        if (stopped) {
            // Made while stopping: the subscriber's close found no connection to close then and keeps none it makes
            // later; left open, it would be cut by the database's own stop under a closed Vert.x (an ERROR, a trace).
            PgConnection made = subscriber.actualConnection();
            if (made != null) {
                made.close();
            }
            return;
        }
        nudgeAll();
    }

    void stop(@Observes ShutdownEvent stopping) {
        stopped = true;
        if (subscriber == null) {
            return;
        }
        // Waited for, on the shutdown thread (never an event loop): a close still under way when Vert.x stops ends on a
        // closed event loop, an ERROR and a stack trace in the last lines of the log.
        try {
            subscriber.close().toCompletionStage().toCompletableFuture().get(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debugf("the LISTEN connection did not close cleanly: %s", e.getMessage());
        }
    }

    public void add(Listener listener) {
        listeners.add(listener);
    }

    public void remove(Listener listener) {
        listeners.remove(listener);
    }

    /** The payload is {@code "<kind> <seq>"} (V7__resource_changes.sql). */
    private void notified(String payload) {
        int space = payload.indexOf(' ');
        Optional<ResourceKind> kind = space < 0 ? Optional.empty() : WireValue.parse(ResourceKind.class, payload.substring(0, space));
        kind.ifPresent(changed -> listeners.stream().filter(l -> l.kind() == changed)
                .forEach(l -> l.context().runOnContext(ignored -> l.nudge().run())));
    }

    /** After (re)subscribing: whatever was written meanwhile was not announced here. */
    private void nudgeAll() {
        listeners.forEach(l -> l.context().runOnContext(ignored -> l.nudge().run()));
    }
}
