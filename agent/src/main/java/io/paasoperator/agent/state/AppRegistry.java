package io.paasoperator.agent.state;

import io.paasoperator.contract.Operation;
import jakarta.inject.Singleton;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

/**
 * The applications this agent manages, in memory and on disk, and the one action each may have in flight. Every
 * update of a record is saved before it is visible to anyone else. Operations are also indexed by id, so that finding
 * one does not read every record.
 */
@Singleton
public class AppRegistry {

    private final StateStore store;
    private final Map<String, AppRecord> records = new ConcurrentHashMap<>();
    private final Map<String, String> operationOwners = new ConcurrentHashMap<>();
    private final Map<String, Operation> inFlight = new ConcurrentHashMap<>();
    private final Map<String, Runnable> forgetOnRelease = new ConcurrentHashMap<>();

    public AppRegistry(StateStore store) {
        this.store = store;
    }

    public Optional<AppRecord> get(String key) {
        return Optional.ofNullable(records.get(key));
    }

    /** The operation named {@code id}, running or finished, of any application still managed here. */
    public Optional<Operation> operation(String id) {
        return Optional.ofNullable(operationOwners.get(id)).map(records::get)
                .flatMap(r -> r.operations().stream().filter(o -> o.id().equals(id)).findFirst());
    }

    /** Applies {@code change} to the record (or to {@code initial} when there is none yet) and saves the result. */
    public AppRecord update(String key, AppRecord initial, UnaryOperator<AppRecord> change) {
        return records.compute(key, (k, current) -> {
            AppRecord updated = change.apply(current != null ? current : initial);
            store.save(updated);
            reindex(current, updated);
            return updated;
        });
    }

    /** Loads a record read from disk at start-up. */
    public void restore(AppRecord record) {
        records.put(record.key(), record);
        reindex(null, record);
    }

    /**
     * Forgets an application, its record on disk included: at once when no action holds it, otherwise when the action
     * holding it releases it (the action still needs its record until then).
     */
    public void forget(String type, String name) {
        Runnable removal = () -> remove(type, name);
        inFlight.compute(AppRecord.key(type, name), (k, running) -> {
            if (running == null) {
                removal.run();
            } else {
                forgetOnRelease.put(k, removal);
            }
            return running;
        });
    }

    /** Claims the application for {@code operation}; empty when another action holds it, which is then returned. */
    public Optional<Operation> claim(String key, Operation operation) {
        return Optional.ofNullable(inFlight.putIfAbsent(key, operation));
    }

    /** Ends the action's hold on the application; false when the application was forgotten meanwhile, and is gone. */
    public boolean release(String key) {
        boolean[] kept = {true};
        inFlight.computeIfPresent(key, (k, running) -> {
            Runnable removal = forgetOnRelease.remove(k);
            if (removal != null) {
                removal.run();
                kept[0] = false;
            }
            return null;
        });
        return kept[0];
    }

    public boolean busy(String key) {
        return inFlight.containsKey(key);
    }

    private void remove(String type, String name) {
        reindex(records.remove(AppRecord.key(type, name)), null);
        store.forget(type, name);
    }

    /** Points the index at {@code after}'s operations, then drops those of {@code before} it no longer keeps. */
    private void reindex(AppRecord before, AppRecord after) {
        Set<String> kept = after == null ? Set.of() : after.operations().stream().map(Operation::id).collect(Collectors.toSet());
        kept.forEach(id -> operationOwners.put(id, after.key()));
        if (before != null) {
            before.operations().stream().map(Operation::id).filter(id -> !kept.contains(id))
                    .forEach(id -> operationOwners.remove(id, before.key()));
        }
    }
}
