package io.paasoperator.agent.check;

import io.paasoperator.agent.AgentConfig;
import io.paasoperator.agent.state.AppRecord;
import io.paasoperator.agent.state.AppRegistry;
import io.paasoperator.contract.CheckReport;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * One health-check loop per installed application. A tick only schedules: each check runs on a thread of its own, so
 * a slow or hung check never delays another application's. A check still running when its next tick comes is not
 * started twice, and none runs while an action holds the application. Each verdict goes to {@link HostReports}, which
 * tells the apiserver.
 */
@Singleton
public class CheckLoops {

    private static final Logger LOG = Logger.getLogger(CheckLoops.class);

    private final AppRegistry registry;
    private final HealthCheck healthCheck;
    private final HostReports reports;
    private final Duration defaultInterval;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("check-ticker"));
    private final ExecutorService checkers = Executors.newCachedThreadPool(daemon("check"));
    private final Map<String, Loop> loops = new ConcurrentHashMap<>();

    public CheckLoops(AppRegistry registry, HealthCheck healthCheck, HostReports reports, AgentConfig config) {
        this.registry = registry;
        this.healthCheck = healthCheck;
        this.reports = reports;
        this.defaultInterval = config.checkInterval();
    }

    /** Starts (or restarts, with new settings) the loop of an installed application. */
    public void start(AppRecord record) {
        String key = record.key();
        Integer seconds = record.request().checkInterval();
        Duration interval = seconds != null && seconds > 0 ? Duration.ofSeconds(seconds) : defaultInterval;
        Loop loop = new Loop(key);
        Loop previous = loops.put(key, loop);
        if (previous != null) {
            previous.cancel();
        }
        loop.future = ticker.scheduleWithFixedDelay(() -> tick(loop), 0, interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * Reports the loop's first verdict (made after the action that started the loop) at once, even unchanged; if it is
     * not made yet, it goes as soon as it is. No check of its own: an app that answers once after a start would be
     * asked twice, and its answer lost.
     */
    public void confirm(String key) {
        Loop loop = loops.get(key);
        if (loop != null) {
            loop.news.set(true);
            if (loop.checked && loop.news.compareAndSet(true, false)) {
                reports.resend(key);
            }
        }
    }

    public void stop(String key) {
        Loop loop = loops.remove(key);
        if (loop != null) {
            loop.cancel();
        }
        reports.forget(key);
    }

    private void end(Loop loop) {
        if (loops.remove(loop.key, loop)) {
            loop.cancel();
            reports.forget(loop.key);
        }
    }

    private void tick(Loop loop) {
        if (loops.get(loop.key) != loop || registry.busy(loop.key) || !loop.checking.compareAndSet(false, true)) {
            return;
        }
        checkers.execute(() -> {
            try {
                Optional<AppRecord> record = registry.get(loop.key);
                if (record.isEmpty()) {
                    end(loop); // forgotten just as an action ended and started this loop
                    return;
                }
                if (!record.get().installed()) {
                    return;
                }
                CheckReport report = healthCheck.run(record.get());
                if (loops.get(loop.key) != loop) {
                    return; // uninstalled or forgotten while the check ran
                }
                AppRecord updated = registry.update(loop.key, record.get(), r -> r.withCheck(report));
                reports.verdict(updated, report, loop.news.getAndSet(false));
                loop.checked = true;
                if (loop.news.compareAndSet(true, false)) {
                    reports.resend(loop.key); // confirmed while this verdict was being recorded
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.errorf(e, "health check of %s failed", loop.key);
            } finally {
                loop.checking.set(false);
            }
        });
    }

    @PreDestroy
    void shutdown() {
        ticker.shutdownNow();
        checkers.shutdownNow();
    }

    private static final class Loop {
        final String key;
        final AtomicBoolean checking = new AtomicBoolean();
        /** The next verdict is sent at once even if unchanged ({@link #confirm}). */
        final AtomicBoolean news = new AtomicBoolean();
        /** A verdict of this loop (so made after the action that started it) is recorded. */
        volatile boolean checked;
        volatile ScheduledFuture<?> future;

        Loop(String key) {
            this.key = key;
        }

        void cancel() {
            ScheduledFuture<?> scheduled = future;
            if (scheduled != null) {
                scheduled.cancel(false);
            }
        }
    }

    static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
