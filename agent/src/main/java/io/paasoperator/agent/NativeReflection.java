package io.paasoperator.agent;

import io.paasoperator.agent.state.AppRecord;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppSpec;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.CheckReport;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.Problem;
import io.quarkus.runtime.annotations.RegisterForReflection;

/** Types the agent maps to and from JSON by hand (records on disk, reports it sends): kept for the native image. */
@RegisterForReflection(targets = {AgentRequest.class, AppSpec.class, AppStatus.class, CheckReport.class, Operation.class,
        Operation.State.class, Problem.class, Problem.FieldError.class, AppRecord.class})
final class NativeReflection {

    private NativeReflection() {
    }
}
