package io.paasoperator.apiserver.rules;

import io.paasoperator.contract.ExpectedState;

/**
 * What a resource asks of every one of its hosts.
 *
 * @param generation the spec generation hosts should run; it goes up when what they run changes
 * @param maxInFlight how many hosts a roll-out or a restart takes out of service at once
 * @param hasRestartScript whether the app has a restart script (else restart is stop, then start)
 * @param deleting {@code DELETE …?uninstall=true} was asked: every host goes to not-installed, then the record goes
 */
public record Desired(ExpectedState expect, long generation, int maxInFlight, boolean hasRestartScript, boolean deleting) {

    /** What {@code host} should end up as: a removed host and a resource being deleted are uninstalled. */
    public ExpectedState expectFor(HostState host) {
        return deleting || host.removing() ? ExpectedState.NOT_INSTALLED : expect;
    }
}
