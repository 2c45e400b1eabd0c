package io.paasoperator.apiserver.reconcile;

import io.paasoperator.apiserver.agentclient.AgentClient;
import io.paasoperator.apiserver.bootstrap.BootstrapNotes;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.contract.Action;
import io.paasoperator.contract.AgentRequest;
import io.paasoperator.contract.AppStatus;
import io.paasoperator.contract.Operation;
import io.paasoperator.contract.ResourceKind;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Singleton;
import java.time.Duration;
import org.jboss.logging.Logger;

/** {@link Agents} over HTTP, each host's agent installed over SSH first when it does not answer as it should. */
@Singleton
public class LiveAgents implements Agents {

    private static final Logger LOG = Logger.getLogger(LiveAgents.class);

    private final HostAgents hostAgents;
    private final AgentClient client;

    public LiveAgents(HostAgents hostAgents, AgentClient client) {
        this.hostAgents = hostAgents;
        this.client = client;
    }

    @Override
    public Uni<Operation> submit(HostSpec host, Action action, AgentRequest request, BootstrapNotes notes) {
        return hostAgents.call(host, notes, agent -> client.submit(agent, action, request));
    }

    @Override
    public Uni<Operation> operation(HostSpec host, String id, BootstrapNotes notes) {
        return hostAgents.call(host, notes, agent -> client.operation(agent, id));
    }

    @Override
    public Uni<AppStatus> probe(HostSpec host, AgentRequest request, Duration checkTimeout, BootstrapNotes notes) {
        return hostAgents.call(host, notes, agent -> client.probe(agent, request, checkTimeout));
    }

    @Override
    public Uni<Void> forget(HostSpec host, ResourceKind kind, String name) {
        return hostAgents.lastKnown(host).chain(agent -> agent == null ? Uni.createFrom().voidItem()
                        : client.forget(agent, kind.wire(), name))
                .onFailure().recoverWithUni(e -> {
                    LOG.infof("agent of %s not told to forget %s/%s: %s", host.ip(), kind.wire(), name, e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }
}
