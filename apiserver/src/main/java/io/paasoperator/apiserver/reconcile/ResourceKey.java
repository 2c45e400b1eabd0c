package io.paasoperator.apiserver.reconcile;

import io.paasoperator.contract.ResourceKind;

/** Which resource the engine schedules: its kind and name. */
public record ResourceKey(ResourceKind kind, String name) {

    @Override
    public String toString() {
        return kind.wire() + "/" + name;
    }
}
