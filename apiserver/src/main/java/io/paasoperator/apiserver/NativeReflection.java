package io.paasoperator.apiserver;

import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.rules.HostState;
import io.paasoperator.apiserver.rules.Summary;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AgentVersion;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.Problem;
import io.quarkus.runtime.annotations.RegisterForReflection;

/**
 * Types the apiserver maps to and from JSON by hand (stored documents, request bodies, agent calls): kept for the
 * native image. The request shapes of RequestReader are nested records, registered by name.
 */
@RegisterForReflection(targets = {AgentRequest.class, AgentVersion.class, AppSpec.class, AppStatus.class, CheckReport.class,
        Operation.class, Operation.State.class, Problem.class, Problem.FieldError.class, HostSpec.class,
        HostSpec.Credential.class, HostState.class, HostState.InFlight.class, HostState.LastCheck.class,
        HostState.Planned.class, Summary.Rollout.class},
        classNames = {"io.paasoperator.apiserver.resource.RequestReader$CreateBody",
                "io.paasoperator.apiserver.resource.RequestReader$StatusBody",
                "io.paasoperator.apiserver.resource.RequestReader$RolloutBody"})
final class NativeReflection {

    private NativeReflection() {
    }
}
