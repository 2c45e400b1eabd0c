package io.paasoperator.apiserver.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.paasoperator.apiserver.bootstrap.HostAgents;
import io.paasoperator.apiserver.host.AgentHost;
import io.paasoperator.apiserver.host.HostKeys;
import io.paasoperator.apiserver.host.HostRegistration;
import io.paasoperator.apiserver.host.HostSpec;
import io.paasoperator.apiserver.host.HostStore;
import io.paasoperator.apiserver.problem.BodyLimit;
import io.paasoperator.apiserver.reconcile.Reconciler;
import io.paasoperator.apiserver.resource.RequestReader;
import io.paasoperator.apiserver.resource.ResourceStore;
import io.paasoperator.apiserver.security.CurrentCaller;
import io.paasoperator.apiserver.security.SecretCipher;
import io.paasoperator.contract.Problem;
import io.paasoperator.contract.ProblemException;
import io.smallrye.mutiny.Uni;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestPath;

/**
 * The hosts the apiserver installed agents on, or whose agents were registered (installed by other means): what runs
 * there, the pinned SSH host key, the last error of its bootstrap or of its registered agent.
 */
@Path("/apis/v1alpha1/hosts")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.WILDCARD)
@Tag(name = "hosts")
public class HostApi {

    private static final Logger LOG = Logger.getLogger(HostApi.class);
    private static final String NOT_AN_ADDRESS = "must be an IPv4 or IPv6 address";
    /** How long a registration waits for each of its two calls to the agent; the answer says what was found. */
    private static final Duration REGISTRATION_CHECK = Duration.ofSeconds(3);

    private final HostStore hosts;
    private final ResourceStore resources;
    private final CurrentCaller caller;
    private final HostAgents agents;
    private final RequestReader reader;
    private final BodyLimit bodyLimit;
    private final SecretCipher cipher;
    private final Reconciler reconciler;

    public HostApi(HostStore hosts, ResourceStore resources, CurrentCaller caller, HostAgents agents, RequestReader reader,
            BodyLimit bodyLimit, SecretCipher cipher, Reconciler reconciler) {
        this.hosts = hosts;
        this.resources = resources;
        this.caller = caller;
        this.agents = agents;
        this.reader = reader;
        this.bodyLimit = bodyLimit;
        this.cipher = cipher;
        this.reconciler = reconciler;
    }

    @GET
    @Operation(operationId = "listHosts", summary = "Every host with an agent installed, being installed or registered, by IP")
    @APIResponse(responseCode = "200", description = "The hosts", content = @Content(mediaType = MediaType.APPLICATION_JSON,
            schema = @Schema(type = SchemaType.ARRAY, implementation = HostView.class)))
    public Uni<List<HostView>> list() {
        return hosts.list().map(rows -> rows.stream().map(HostView::of).toList());
    }

    @GET
    @Path("{ip}")
    @Operation(operationId = "getHost",
            summary = "One host: its agent, its pinned SSH host key, its last error (of a bootstrap, or of its registered agent)")
    @APIResponse(responseCode = "200", description = "The host",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HostView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<HostView> get(@RestPath String ip) {
        return hosts.get(address(ip)).map(row -> {
            if (row == null) {
                throw unknown(ip);
            }
            return HostView.of(row);
        });
    }

    @PUT
    @Path("{ip}")
    @Operation(operationId = "registerHost", summary = "Register an agent installed by other means",
            description = "For hosts whose agent cloud-init, configuration management or an image installed: the apiserver"
                    + " calls it on agent_port with this secret (the agent's AGENT_SECRET), takes its reports by it, and never"
                    + " opens SSH to the host; resources may list it without auth. Registering again replaces port and"
                    + " secret (a rotation). The agent is looked at first (two calls, each of at most 3 s): the answer shows the release and build"
                    + " it runs, or as last_error why it cannot be used yet (no answer, an older release, the secret"
                    + " refused); the registration is stored either way. Resources on the host try a step that failed there"
                    + " at once. The secret is write-only.")
    @APIResponse(responseCode = "200", description = "Registered (or registered again)",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = HostView.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "Another host's agent holds this secret, or the"
            + " apiserver is installing an agent on this host over SSH right now")
    @APIResponse(responseCode = "413", ref = "ContentTooLarge")
    public Uni<HostView> register(@RestPath String ip, @RequestBody(required = true, content = @Content(
            mediaType = MediaType.APPLICATION_JSON, schema = @Schema(ref = "HostRegistration"))) String body) {
        bodyLimit.checkReadLength(body);
        List<Problem.FieldError> errors = new ArrayList<>();
        if (!HostSpec.isIpLiteral(ip)) {
            errors.add(new Problem.FieldError("ip", NOT_AN_ADDRESS));
        }
        HostRegistration registration = reader.readRegistration(body, errors);
        String secret = registration.secret();
        return hosts.register(ip, registration.agentPort(), cipher.encrypt(secret), secret, resources.now()).chain(outcome -> {
            switch (outcome) {
                case SECRET_TAKEN:
                    throw ProblemException.conflict("another host's agent holds this secret: give each agent a secret of its own");
                case BOOTSTRAP_UNDER_WAY:
                    throw ProblemException.conflict("an apiserver is installing an agent on " + ip + " over SSH right now:"
                            + " register it once that is over (GET this host shows its outcome)");
                default:
                    agents.forgetVerified(ip);
                    return agents.checkRegistered(ip, REGISTRATION_CHECK).chain(() -> retryNow(ip))
                            .chain(() -> hosts.get(ip)).map(HostView::of);
            }
        });
    }

    @DELETE
    @Path("{ip}")
    @Operation(operationId = "forgetHost", summary = "Forget a host for good",
            description = "It leaves every resource that is still removing it (uninstalled or not), and its agent's record"
                    + " goes.")
    @APIResponse(responseCode = "200", description = "Forgotten",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Forgotten.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    @APIResponse(responseCode = "409", ref = "Conflict", description = "A resource still lists the host")
    public Uni<Forgotten> forget(@RestPath String ip) {
        String address = address(ip);
        return resources.forgetRemovedHost(address, caller.name()).chain(count -> hosts.delete(address).map(known -> {
            if (count == 0 && !known) {
                throw unknown(ip);
            }
            return new Forgotten(ip, "host " + ip + " is forgotten" + (count == 0 ? "" : "; " + count + " resource(s) no longer remove it"));
        }));
    }

    @DELETE
    @Path("{ip}/host-key")
    @Operation(operationId = "unpinHostKey", summary = "Forget the pinned SSH host key",
            description = "After a host was reinstalled: the next bootstrap trusts the key it meets.")
    @APIResponse(responseCode = "200", description = "Unpinned",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(implementation = Unpinned.class)))
    @APIResponse(responseCode = "400", ref = "BadRequest")
    @APIResponse(responseCode = "404", ref = "NotFound")
    public Uni<Unpinned> unpin(@RestPath String ip) {
        return hosts.unpin(address(ip)).map(found -> {
            if (!found) {
                throw unknown(ip);
            }
            return new Unpinned(ip, "the SSH host key of " + ip + " is no longer pinned; the next bootstrap pins the key it meets");
        });
    }

    /**
     * Resources on a host whose agent was just registered try it at once, not after the backoff of a step that failed
     * for want of it. Best effort: the registration is stored, and the backoff brings them back anyway.
     */
    private Uni<Void> retryNow(String ip) {
        return resources.askAnewOnHost(ip)
                .invoke(records -> records.forEach(record -> reconciler.wake(record.kind, record.name)))
                .replaceWithVoid()
                .onFailure().recoverWithUni(e -> {
                    LOG.infof("resources on %s not asked to try its registered agent at once: %s", ip, e.getMessage());
                    return Uni.createFrom().voidItem();
                });
    }

    /** Hosts are known by their address literal, as resources name them. */
    private static String address(String ip) {
        if (!HostSpec.isIpLiteral(ip)) {
            throw ProblemException.invalidField("ip", NOT_AN_ADDRESS);
        }
        return ip;
    }

    private static ProblemException unknown(String ip) {
        return ProblemException.notFound("no agent was ever installed or registered on host '" + ip + "'");
    }

    @Schema(requiredProperties = {"ip", "message"})
    public record Unpinned(String ip, String message) {
    }

    @Schema(requiredProperties = {"ip", "message"})
    public record Forgotten(String ip, String message) {
    }

    /**
     * @param registered whether the host's agent was registered (installed by other means, never bootstrapped over SSH)
     *     rather than installed by the bootstrap
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(requiredProperties = {"ip", "agent_port", "registered"})
    public record HostView(String ip, @JsonProperty("agent_port") int agentPort, boolean registered,
            @JsonProperty("registered_at") Instant registeredAt, Agent agent,
            @JsonProperty("ssh_host_key") SshHostKey sshHostKey, @JsonProperty("last_error") String lastError,
            @JsonProperty("last_error_at") Instant lastErrorAt) {

        static HostView of(AgentHost row) {
            Agent agent = row.installedAt == null && row.agentVersion == null ? null
                    : new Agent(row.agentAccount, row.agentVersion, row.agentBuild, row.installedAt);
            SshHostKey key = row.sshHostKey == null ? null
                    : new SshHostKey(HostKeys.type(row.sshHostKey), HostKeys.fingerprint(row.sshHostKey), row.sshHostKeyAt);
            return new HostView(row.ip, row.agentPort, row.registered(), row.registeredAt, agent, key, row.lastError,
                    row.lastErrorAt);
        }
    }

    /**
     * What the bootstrap installed (account, release, build, when), or the release and build a registered agent answered
     * with when last verified; never its secret.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Agent(String account, String version, String build, @JsonProperty("installed_at") Instant installedAt) {
    }

    public record SshHostKey(String type, String fingerprint, @JsonProperty("pinned_at") Instant pinnedAt) {
    }
}
