package io.paasoperator.apiserver.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.paasoperator.contract.ResourceKind;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@link WorkQueue} driven by hand: passes end when the test says so, timers fire when the test fires them. */
class WorkQueueTest {

    static final Instant NOW = Instant.parse("2026-06-28T10:00:00Z");
    static final ResourceKey A = new ResourceKey(ResourceKind.DATABASE, "a");
    static final ResourceKey B = new ResourceKey(ResourceKind.DATABASE, "b");
    static final ResourceKey C = new ResourceKey(ResourceKind.MIDDLEWARE, "c");
    static final ResourceKey D = new ResourceKey(ResourceKind.MIDDLEWARE, "d");

    /** Passes that run until the test ends them; keeps who started, in order, and who runs now. */
    static final class ManualPasses implements WorkQueue.Passes {
        final List<ResourceKey> started = new ArrayList<>();
        final Map<ResourceKey, Runnable> running = new LinkedHashMap<>();
        int mostAtOnce;
        final Set<ResourceKey> overlapped = new HashSet<>();

        @Override
        public void start(ResourceKey key, Runnable done) {
            if (running.containsKey(key)) {
                overlapped.add(key);
            }
            started.add(key);
            running.put(key, done);
            mostAtOnce = Math.max(mostAtOnce, running.size());
        }

        void finish(ResourceKey key) {
            Runnable done = running.remove(key);
            if (done == null) {
                throw new AssertionError(key + " is not running");
            }
            done.run();
        }

        long count(ResourceKey key) {
            return started.stream().filter(key::equals).count();
        }
    }

    record Timer(Duration delay, Runnable task) {
    }

    static final class ManualTimers implements WorkQueue.Timers {
        final List<Timer> scheduled = new ArrayList<>();

        @Override
        public void schedule(Duration delay, Runnable task) {
            scheduled.add(new Timer(delay, task));
        }
    }

    final Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);
    final ManualPasses passes = new ManualPasses();
    final ManualTimers timers = new ManualTimers();

    WorkQueue queue(int maxConcurrent) {
        return new WorkQueue(passes, timers, clock, maxConcurrent);
    }

    @Test
    void aResourceWokenManyTimesIsQueuedOnce() {
        WorkQueue queue = queue(1);
        queue.wake(A); // takes the only slot
        for (int i = 0; i < 10; i++) {
            queue.wake(B);
        }
        assertEquals(1, queue.waiting(), "B waits once, however often woken");
        assertEquals(List.of(A), passes.started);

        passes.finish(A);
        assertEquals(List.of(A, B), passes.started);
        assertEquals(0, queue.waiting());
        passes.finish(B);
        assertEquals(List.of(A, B), passes.started, "ten wakes while queued are one pass");
        assertTrue(passes.running.isEmpty());
    }

    @Test
    void atMostOnePassPerResourceAndAWakeDuringItGivesExactlyOneMore() {
        WorkQueue queue = queue(8);
        queue.wake(A);
        assertTrue(passes.running.containsKey(A));
        for (int i = 0; i < 5; i++) {
            queue.wake(A);
        }
        assertEquals(1, passes.count(A), "no second pass while the first runs");
        assertEquals(0, queue.waiting(), "not queued while running: it runs again after");

        passes.finish(A);
        assertEquals(2, passes.count(A), "exactly one more pass after the one it was woken during");
        assertTrue(passes.running.containsKey(A));

        passes.finish(A);
        assertEquals(2, passes.count(A), "not woken during the second pass: no third");
        assertFalse(passes.running.containsKey(A));
        assertTrue(passes.overlapped.isEmpty(), "never two passes of one resource at once");
    }

    @Test
    void aResourceNotWokenDuringItsPassIsNotRunAgain() {
        WorkQueue queue = queue(8);
        queue.wake(A);
        queue.wake(B); // another resource's wake does not count for A
        passes.finish(A);
        passes.finish(B);
        assertEquals(1, passes.count(A));
        assertEquals(1, passes.count(B));
        assertFalse(passes.running.containsKey(A));
    }

    @Test
    void maxConcurrentBoundsThePassesRunningAtOnce() {
        WorkQueue queue = queue(2);
        List.of(A, B, C, D).forEach(queue::wake);
        assertEquals(List.of(A, B), passes.started);
        assertEquals(2, queue.waiting());

        queue.wake(A); // woken while running: comes back after C and D had their turn
        passes.finish(A);
        assertEquals(List.of(A, B, C), passes.started, "a freed slot goes to the first waiting");
        passes.finish(B);
        assertEquals(List.of(A, B, C, D), passes.started);
        assertEquals(1, queue.waiting(), "A waits for a slot");

        passes.finish(C);
        assertEquals(List.of(A, B, C, D, A), passes.started);
        passes.finish(D);
        passes.finish(A);
        assertEquals(2, passes.mostAtOnce, "never more than maxConcurrent at once");
        assertTrue(passes.running.isEmpty());
        assertEquals(0, queue.waiting());
    }

    @Test
    void aPassThatEndsAtOnceStillGetsItsRerun() {
        List<ResourceKey> started = new ArrayList<>();
        WorkQueue[] holder = new WorkQueue[1];
        WorkQueue queue = new WorkQueue((key, done) -> {
            started.add(key);
            if (started.size() == 1) {
                holder[0].wake(key); // woken during its own pass
            }
            done.run(); // ends before start() returns
        }, timers, clock, 1);
        holder[0] = queue;
        queue.wake(A);
        assertEquals(List.of(A, A), started);
        assertFalse(passes.running.containsKey(A));
        assertEquals(0, queue.waiting());
    }

    @Test
    void wakeAtInThePastOrNowRunsAtOnce() {
        WorkQueue queue = queue(4);
        queue.wakeAt(A, NOW.minusSeconds(5));
        queue.wakeAt(B, NOW);
        assertEquals(List.of(A, B), passes.started);
        assertTrue(timers.scheduled.isEmpty(), "no timer for a time that has come");
    }

    @Test
    void wakeAtInTheFutureGoesThroughTheTimers() {
        WorkQueue queue = queue(4);
        queue.wakeAt(A, NOW.plusMillis(1500));
        assertTrue(passes.started.isEmpty(), "not before its time");
        assertEquals(1, timers.scheduled.size());
        assertEquals(Duration.ofMillis(1500), timers.scheduled.get(0).delay());

        timers.scheduled.get(0).task().run();
        assertEquals(List.of(A), passes.started);
    }

    @Test
    void aTimerFiringWhileThePassRunsGivesOneMorePass() {
        WorkQueue queue = queue(4);
        queue.wakeAt(A, NOW.plusSeconds(10));
        queue.wake(A);
        assertEquals(1, passes.count(A));

        timers.scheduled.get(0).task().run(); // fires during the pass
        assertEquals(1, passes.count(A));
        passes.finish(A);
        assertEquals(2, passes.count(A));
        passes.finish(A);
        assertEquals(2, passes.count(A));
    }
}
