package io.paasoperator.apiserver.reconcile;

import io.paasoperator.contract.Action;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.time.Instant;

/**
 * Everything the rules look at for one resource at one moment.
 *
 * @param realtimeSince when realtime last changed
 * @param restartRequested a PUT restart not yet carried out
 * @param inFlight the action sent to the agent whose result has not arrived, or null
 * @param failedAction the action whose failure left realtime {@code failed}, or null
 * @param nextRetryAt after a failure, no new action before this time; null when not backing off
 * @param lastReportAt when the agent last reported health, or null
 * @param hasRestartScript whether the app has a restart script (else restart is stop, then start)
 */
public record ResourceSnapshot(
        ExpectedState expect,
        RealtimeState realtime,
        Instant realtimeSince,
        boolean restartRequested,
        Action inFlight,
        Action failedAction,
        Instant nextRetryAt,
        Instant lastReportAt,
        boolean hasRestartScript) {
}
