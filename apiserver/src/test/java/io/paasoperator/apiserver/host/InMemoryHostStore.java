package io.paasoperator.apiserver.host;

import io.smallrye.mutiny.Uni;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The heartbeats of {@link HostStore} in memory, for the engine's unit tests. */
public class InMemoryHostStore extends HostStore {

    private final Map<String, Heartbeat> heartbeats = new HashMap<>();

    public InMemoryHostStore() {
        super(null);
    }

    @Override
    public Uni<Void> recordHeartbeat(String ip, Instant at, Set<String> apps) {
        heartbeats.merge(ip, new Heartbeat(at, Set.copyOf(apps)), (old, fresh) -> fresh.at().isAfter(old.at()) ? fresh : old);
        return Uni.createFrom().voidItem();
    }

    /** The heartbeats of those of {@code ips} that reported, as a pass reads them with its resource. */
    public Map<String, Heartbeat> heartbeats(Collection<String> ips) {
        Map<String, Heartbeat> found = new HashMap<>();
        ips.forEach(ip -> {
            if (heartbeats.containsKey(ip)) {
                found.put(ip, heartbeats.get(ip));
            }
        });
        return found;
    }

    @Override
    public Uni<List<String>> noticeSilent(Instant before, Instant now) {
        throw new UnsupportedOperationException("the sweep is the reconciler's, tested end to end");
    }
}
