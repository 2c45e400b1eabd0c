package io.paasoperator.apiserver.resource;

import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.ExpectedState;
import io.paasoperator.contract.RealtimeState;
import java.util.List;

/** A create request once read and validated. Status values default to not-installed. */
public record CreateRequest(String name, List<HostSpec> hosts, AppSpec app, ExpectedState expect, RealtimeState realtime) {
}
