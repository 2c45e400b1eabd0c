package io.paasoperator.apiserver.agentclient;

import io.quarkus.runtime.Startup;
import jakarta.inject.Singleton;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Optional;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The address agents report to (OPERATOR_IP, OPERATOR_PORT): behind a NodePort, the node's IP and the node port. With
 * none configured, the first non-loopback IPv4 address and the HTTP port. Resolved once, at start-up.
 */
@Singleton
@Startup
public class OperatorAddress {

    private static final Logger LOG = Logger.getLogger(OperatorAddress.class);

    private final String ip;
    private final int port;

    public OperatorAddress(@ConfigProperty(name = "operator.ip") Optional<String> configuredIp,
            @ConfigProperty(name = "operator.port") Optional<Integer> configuredPort,
            @ConfigProperty(name = "quarkus.http.port") int httpPort) {
        this.ip = configuredIp.filter(s -> !s.isBlank()).orElseGet(OperatorAddress::firstNonLoopback);
        this.port = configuredPort.orElse(httpPort);
        LOG.infof("agents report to %s:%d (OPERATOR_IP, OPERATOR_PORT)", ip, port);
    }

    public String ip() {
        return ip;
    }

    public int port() {
        return port;
    }

    private static String firstNonLoopback() {
        try {
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                if (!nic.isUp() || nic.isLoopback()) {
                    continue;
                }
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address && !address.isLoopbackAddress() && !address.isLinkLocalAddress()) {
                        return address.getHostAddress();
                    }
                }
            }
        } catch (SocketException e) {
            LOG.warnf("cannot list network interfaces: %s", e.getMessage());
        }
        return "127.0.0.1";
    }
}
