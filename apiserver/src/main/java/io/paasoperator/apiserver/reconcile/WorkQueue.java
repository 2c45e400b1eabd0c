package io.paasoperator.apiserver.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;

/**
 * Which resource gets a reconcile pass, and when: a resource woken is queued once however often it is woken; at most
 * one pass per resource runs at a time, and one woken while its pass runs gets another pass right after; at most
 * {@code maxConcurrent} passes run at once. No I/O: passes are started through {@link Passes}, timers through
 * {@link Timers}, so that the engine's tests drive it with a fixed clock.
 */
public final class WorkQueue {

    /** Starts a pass; the pass calls {@code done} exactly once when it has ended, however it ended. */
    public interface Passes {
        void start(ResourceKey key, Runnable done);
    }

    /** Runs {@code task} after {@code delay}. */
    public interface Timers {
        void schedule(Duration delay, Runnable task);
    }

    private final Passes passes;
    private final Timers timers;
    private final Clock clock;
    private final int maxConcurrent;

    private final Queue<ResourceKey> queue = new ArrayDeque<>();
    private final Set<ResourceKey> queued = new HashSet<>();
    private final Set<ResourceKey> running = new HashSet<>();
    private final Set<ResourceKey> wokenWhileRunning = new HashSet<>();

    public WorkQueue(Passes passes, Timers timers, Clock clock, int maxConcurrent) {
        this.passes = passes;
        this.timers = timers;
        this.clock = clock;
        this.maxConcurrent = maxConcurrent;
    }

    /** Gives {@code key} a pass as soon as possible. Cheap, and safe to call from any thread, any number of times. */
    public void wake(ResourceKey key) {
        synchronized (this) {
            if (running.contains(key)) {
                wokenWhileRunning.add(key);
            } else if (queued.add(key)) {
                queue.add(key);
            }
        }
        drain();
    }

    /** Gives {@code key} a pass at {@code when} (at once if that has passed). */
    public void wakeAt(ResourceKey key, Instant when) {
        Duration delay = Duration.between(clock.instant(), when);
        if (delay.isNegative() || delay.isZero()) {
            wake(key);
        } else {
            timers.schedule(delay, () -> wake(key));
        }
    }

    /** Resources queued, not yet started. */
    public synchronized int waiting() {
        return queued.size();
    }

    private void drain() {
        List<ResourceKey> starting = new ArrayList<>();
        synchronized (this) {
            while (running.size() < maxConcurrent && !queue.isEmpty()) {
                ResourceKey key = queue.poll();
                queued.remove(key);
                running.add(key);
                starting.add(key);
            }
        }
        starting.forEach(key -> passes.start(key, () -> finished(key)));
    }

    private void finished(ResourceKey key) {
        boolean again;
        synchronized (this) {
            running.remove(key);
            again = wokenWhileRunning.remove(key);
        }
        if (again) {
            wake(key);
        } else {
            drain();
        }
    }
}
