package io.paasoperator.apiserver.bootstrap;

import io.smallrye.mutiny.Uni;

/** Where a bootstrap tells that it starts and that it ended well: the events of the resource whose step needed it. */
@FunctionalInterface
public interface BootstrapNotes {

    /** For calls that need the agent but speak for no resource in particular. */
    BootstrapNotes NONE = message -> Uni.createFrom().voidItem();

    Uni<Void> note(String message);
}
