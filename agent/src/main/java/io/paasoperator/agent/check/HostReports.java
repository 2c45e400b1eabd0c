package io.paasoperator.agent.check;

import io.paasoperator.agent.AgentConfig;
import io.paasoperator.agent.state.AppRecord;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.HostReport;
import io.paasoperator.contract.RetryAfter;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jboss.logging.Logger;

/**
 * Hands the applications' health verdicts to the apiserver: one report per host every report interval
 * (AGENT_REPORT_INTERVAL, or an application's shorter check interval) with each application's latest verdict, and one
 * soon after a verdict changes, so that a change is news at once and a steady host costs the apiserver one small request
 * per interval. An apiserver without the
 * host route (404, 405) gets the seed's per-application reports instead, as does an application whose request did not
 * name its host. Reports the apiserver could not take are sent again with exponential backoff, or when the apiserver
 * said to (its Retry-After, when it is busy); the newest verdicts supersede older ones.
 */
@Singleton
public class HostReports {

    private static final Logger LOG = Logger.getLogger(HostReports.class);
    /** A change is sent this soon, so that the verdicts of applications checked at once travel together. */
    static final Duration CHANGE_DELAY = Duration.ofMillis(200);
    static final Duration MAX_BACKOFF = Duration.ofMinutes(1);
    /** Verdicts and (roughly) bytes per request, well within the apiserver's body limit. */
    static final int MAX_PER_REPORT = 500;
    static final int MAX_REPORT_BYTES = 128 * 1024;
    /** How often the sender looks for reports that are due. */
    static final Duration TICK = Duration.ofSeconds(1);

    private final OperatorClient operator;
    private final Duration reportInterval;
    private final Duration defaultCheckInterval;
    private final ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor(CheckLoops.daemon("report"));
    private final Map<String, Latest> latest = new ConcurrentHashMap<>();
    private final Map<URI, Backoff> backoffs = new ConcurrentHashMap<>();
    /** When each target was last sent a report (touched by the sender thread only). */
    private final Map<URI, Instant> lastSent = new ConcurrentHashMap<>();
    /** Apiservers that answered the host route with 404 or 405: an older release, spoken to per application. */
    private final Set<URI> perApplication = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean changeScheduled = new AtomicBoolean();

    public HostReports(OperatorClient operator, AgentConfig config) {
        this.operator = operator;
        this.reportInterval = config.reportInterval();
        this.defaultCheckInterval = config.checkInterval();
        sender.scheduleWithFixedDelay(() -> sendDue(false), TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /**
     * The latest verdict of an application; sent with the next report, or soon when it differs from the last one or is
     * {@code news} anyway.
     */
    public void verdict(AppRecord record, CheckReport report, boolean news) {
        Optional<URI> seedTarget = operator.checkTarget(record.request());
        if (seedTarget.isEmpty()) {
            return; // nowhere to report: the verdict is still kept in the application's record
        }
        Optional<URI> hostTarget = operator.hostReportTarget(record.request());
        HostReport.Verdict verdict = new HostReport.Verdict(record.request().type(), record.request().name(), report.code(),
                report.msg());
        Integer seconds = record.request().checkInterval();
        Duration every = seconds != null && seconds > 0 ? Duration.ofSeconds(seconds) : defaultCheckInterval;
        Latest previous = latest.put(record.key(), new Latest(hostTarget.orElse(null), seedTarget.get(), verdict,
                every.compareTo(reportInterval) < 0 ? every : reportInterval));
        if (news || previous == null || !previous.verdict.equals(verdict)) {
            sendSoon();
        }
    }

    /** The application's latest verdict goes again soon, unchanged: it confirms the state after an action's result. */
    public void resend(String key) {
        if (latest.containsKey(key)) {
            sendSoon();
        }
    }

    /** Every report goes within {@link #CHANGE_DELAY}, so that verdicts of applications checked at once travel together. */
    private void sendSoon() {
        if (changeScheduled.compareAndSet(false, true)) {
            sender.schedule(() -> {
                changeScheduled.set(false);
                sendDue(true);
            }, CHANGE_DELAY.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    /** The application is gone from this host (uninstalled, forgotten): its verdict is no longer reported. */
    public void forget(String key) {
        Latest gone = latest.remove(key);
        if (gone != null) { // its own per-application route's bookkeeping goes with it
            lastSent.remove(gone.seedTarget);
            backoffs.remove(gone.seedTarget);
        }
    }

    /**
     * Every report that is due (its interval passed since the last one; {@code changed}: every report, as one carries a
     * change). Runs on the sender thread only.
     */
    private void sendDue(boolean changed) {
        try {
            Map<URI, List<Latest>> byHost = new LinkedHashMap<>();
            List<Latest> seedOnly = new ArrayList<>();
            for (Latest entry : latest.values()) {
                if (entry.hostTarget == null || perApplication.contains(entry.hostTarget)) {
                    seedOnly.add(entry);
                } else {
                    byHost.computeIfAbsent(entry.hostTarget, t -> new ArrayList<>()).add(entry);
                }
            }
            Instant now = Instant.now();
            for (Map.Entry<URI, List<Latest>> host : byHost.entrySet()) {
                Duration every = host.getValue().stream().map(Latest::every).min(Duration::compareTo).orElse(reportInterval);
                if (changed || owed(host.getKey()) || intervalPassed(host.getKey(), every, now)) {
                    sendHost(host.getKey(), host.getValue());
                }
            }
            for (Latest entry : seedOnly) {
                boolean send = changed || owed(entry.seedTarget) || intervalPassed(entry.seedTarget, entry.every, now);
                if (send && due(entry.seedTarget)) {
                    lastSent.put(entry.seedTarget, now);
                    settle(entry.seedTarget, operator.send(entry.seedTarget, entry.verdict.check()));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.errorf(e, "sending health reports failed");
        }
    }

    private void sendHost(URI target, List<Latest> entries) throws InterruptedException {
        if (!due(target)) {
            return;
        }
        lastSent.put(target, Instant.now());
        for (List<HostReport.Verdict> part : parts(entries)) {
            OperatorClient.Answer answer = operator.send(target, new HostReport(part));
            if (answer.status() == 404 || answer.status() == 405) {
                LOG.infof("the apiserver at %s takes no host reports; reporting per application", target);
                perApplication.add(target);
                return; // sent per application from the next pass on
            }
            if (!settle(target, answer)) {
                return;
            }
        }
    }

    /** The verdicts in requests of a size the apiserver takes. */
    static List<List<HostReport.Verdict>> parts(List<Latest> entries) {
        List<List<HostReport.Verdict>> parts = new ArrayList<>();
        List<HostReport.Verdict> part = new ArrayList<>();
        int bytes = 0;
        for (Latest entry : entries) {
            HostReport.Verdict verdict = entry.verdict;
            int size = 64 + verdict.name().length() + (verdict.msg() == null ? 0 : verdict.msg().length() * 2);
            if (!part.isEmpty() && (part.size() == MAX_PER_REPORT || bytes + size > MAX_REPORT_BYTES)) {
                parts.add(part);
                part = new ArrayList<>();
                bytes = 0;
            }
            part.add(verdict);
            bytes += size;
        }
        if (!part.isEmpty()) {
            parts.add(part);
        }
        return parts;
    }

    private boolean intervalPassed(URI target, Duration every, Instant now) {
        Instant last = lastSent.get(target);
        // A tick early rather than late: the apiserver counts silence from the last report taken.
        return last == null || !now.isBefore(last.plus(every).minus(TICK.dividedBy(2)));
    }

    /** The last delivery to {@code target} was not taken: the next goes as soon as the backoff (or the wait asked for) ends. */
    private boolean owed(URI target) {
        return backoffs.containsKey(target);
    }

    /** Not backing off after failed deliveries, nor waiting as the apiserver asked. */
    private boolean due(URI target) {
        Backoff backoff = backoffs.get(target);
        return backoff == null || !Instant.now().isBefore(backoff.next);
    }

    /** Notes how a delivery went; true when it was taken. */
    private boolean settle(URI target, OperatorClient.Answer answer) {
        if (answer.taken()) {
            backoffs.remove(target);
            return true;
        }
        if (answer.retryAfter() != null) {
            // The apiserver is busy and said when to come back: as told, and not a failure that makes the backoff grow.
            Backoff before = backoffs.get(target);
            backoffs.put(target, new Backoff(before == null ? 0 : before.failures,
                    Instant.now().plus(RetryAfter.spread(answer.retryAfter(), ThreadLocalRandom.current()))));
            LOG.debugf("health report to %s refused for now (%s)", target, answer);
            return false;
        }
        Backoff failed = backoffs.merge(target, new Backoff(1, Instant.EPOCH), (old, one) -> new Backoff(old.failures + 1, old.next));
        long delayMs = Math.min(MAX_BACKOFF.toMillis(), 1000L << Math.min(failed.failures, 16));
        backoffs.put(target, new Backoff(failed.failures, Instant.now().plusMillis(delayMs)));
        if (failed.failures == 1 || failed.failures % 10 == 0) {
            LOG.warnf("health report not delivered to %s (%s, %d failures in a row); retrying with backoff", target, answer,
                    failed.failures);
        }
        return false;
    }

    @PreDestroy
    void shutdown() {
        sender.shutdownNow();
    }

    /** An application's latest verdict and where it goes. */
    record Latest(URI hostTarget, URI seedTarget, HostReport.Verdict verdict, Duration every) {
    }

    private record Backoff(int failures, Instant next) {
    }
}
