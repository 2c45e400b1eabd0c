package io.paasoperator.agent.state;

import jakarta.inject.Singleton;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import io.paasoperator.contract.Operation;

/**
 * The applications this agent manages, in memory and on disk, and the one action each may have in flight. Every
 * update of a record is saved before it is visible to anyone else.
 */
@Singleton
public class AppRegistry {

    private final StateStore store;
    private final Map<String, AppRecord> records = new ConcurrentHashMap<>();
    private final Map<String, Operation> inFlight = new ConcurrentHashMap<>();

    public AppRegistry(StateStore store) {
        this.store = store;
    }

    public Optional<AppRecord> get(String key) {
        return Optional.ofNullable(records.get(key));
    }

    public Collection<AppRecord> all() {
        return records.values();
    }

    /** Applies {@code change} to the record (or to {@code initial} when there is none yet) and saves the result. */
    public AppRecord update(String key, AppRecord initial, UnaryOperator<AppRecord> change) {
        return records.compute(key, (k, current) -> {
            AppRecord updated = change.apply(current != null ? current : initial);
            store.save(updated);
            return updated;
        });
    }

    /** Loads a record read from disk at start-up. */
    public void restore(AppRecord record) {
        records.put(record.key(), record);
    }

    public void remove(String key) {
        records.remove(key);
    }

    /** Claims the application for {@code operation}; empty when another action holds it, which is then returned. */
    public Optional<Operation> claim(String key, Operation operation) {
        return Optional.ofNullable(inFlight.putIfAbsent(key, operation));
    }

    public void release(String key) {
        inFlight.remove(key);
    }

    public boolean busy(String key) {
        return inFlight.containsKey(key);
    }
}
