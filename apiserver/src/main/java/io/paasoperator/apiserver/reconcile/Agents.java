package io.paasoperator.apiserver.reconcile;

import io.paasoperator.apiserver.bootstrap.BootstrapNotes;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import java.time.Duration;

/**
 * What the engine asks of a host's agent (SPEC.md §5), the host given as stored (passwords sealed). A call fails with
 * {@link io.paasoperator.apiserver.agentclient.AgentCallException} or
 * {@link io.paasoperator.apiserver.bootstrap.BootstrapException} saying why, or with
 * {@link io.paasoperator.apiserver.bootstrap.HostAgents.InstallingElsewhere} while another replica installs the agent.
 * Each call first makes the host's agent ready: found answering with the right build, or installed over SSH, the
 * {@code notes} told when that starts and when it ended well.
 */
public interface Agents {

    /** Runs {@code action} as the operation named in the request; the same name twice is one run. */
    Uni<Operation> submit(HostSpec host, Action action, AgentRequest request, BootstrapNotes notes);

    /** An operation by id; null when the agent never received it. */
    Uni<Operation> operation(HostSpec host, String id, BootstrapNotes notes);

    /** Runs the check now: whether the application is installed and healthy. */
    Uni<AppStatus> probe(HostSpec host, AgentRequest request, Duration checkTimeout, BootstrapNotes notes);

    /** Tells the agent to stop managing the application (its files and processes stay); a host that does not answer is let be. */
    Uni<Void> forget(HostSpec host, ResourceKind kind, String name);
}
