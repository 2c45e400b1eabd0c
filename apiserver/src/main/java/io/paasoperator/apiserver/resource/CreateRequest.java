package io.paasoperator.apiserver.resource;

import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.util.List;

/**
 * A create (or update) request once read and validated. Status values default to not-installed.
 *
 * @param statusGiven whether the body carried {@code app.status} (an update must not)
 * @param maxInFlight hosts a roll-out takes out of service at once
 */
public record CreateRequest(String name, List<HostSpec> hosts, AppSpec app, ExpectedState expect, RealtimeState realtime,
        boolean statusGiven, int maxInFlight) {

    public List<String> ips() {
        return hosts.stream().map(HostSpec::ip).toList();
    }
}
