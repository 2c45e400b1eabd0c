package io.paasoperator.apiserver.context;

import io.quarkus.vertx.core.runtime.context.VertxContextSafetyToggle;
import io.smallrye.common.vertx.VertxContext;
import io.smallrye.mutiny.Uni;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import jakarta.inject.Singleton;
import java.util.function.Supplier;

/**
 * Runs a unit of work on a Vert.x context of its own, flagged safe for Hibernate Reactive: each context holds one
 * session, so work that runs at the same time (two hosts of one resource, a report and a pass) never shares one. The
 * outcome is handed back on the caller's context, once the work's own session is done with.
 */
@Singleton
public class FreshContexts {

    private final Vertx vertx;

    public FreshContexts(Vertx vertx) {
        this.vertx = vertx;
    }

    public <T> Uni<T> run(Supplier<Uni<T>> work) {
        return Uni.createFrom().emitter(emitter -> {
            Context caller = Vertx.currentContext();
            Context context = VertxContext.createNewDuplicatedContext(vertx.getOrCreateContext());
            VertxContextSafetyToggle.setContextSafe(context, true);
            context.runOnContext(ignored -> Uni.createFrom().<T>deferred(work::get).subscribe().with(
                    item -> backTo(caller, () -> emitter.complete(item)),
                    failure -> backTo(caller, () -> emitter.fail(failure))));
        });
    }

    private static void backTo(Context caller, Runnable outcome) {
        if (caller == null) {
            outcome.run();
        } else {
            caller.runOnContext(ignored -> outcome.run());
        }
    }
}
