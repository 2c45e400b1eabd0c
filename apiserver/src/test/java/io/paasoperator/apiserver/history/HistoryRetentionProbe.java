package io.paasoperator.apiserver.history;

import io.quarkus.vertx.VertxContextSupport;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/** Lets a test run the hourly purge now, on a Vert.x context as the scheduler would. */
@ApplicationScoped
public class HistoryRetentionProbe {

    @Inject
    HistoryRetention retention;

    public void purgeNow() throws Throwable {
        VertxContextSupport.subscribeAndAwait(retention::purgeOldEvents);
    }
}
