package io.guestdata.server.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import java.net.InetAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The static addresses by which the service recognises an instance (instance-document.md): every
 * {@code ip_address} of its network_data's networks, without a scope, as every {@link InstanceDirectory}
 * indexes them.
 */
public final class InstanceAddresses {
    private InstanceAddresses() {
    }

    /** The instance's static addresses, in document order, without duplicates. */
    public static List<InetAddress> of(Instance instance) {
        Set<InetAddress> out = new LinkedHashSet<>();
        instance.networkData().ifPresent(nd -> {
            for (JsonNode network : nd.path("networks")) {
                JsonNode ip = network.get("ip_address");
                if (ip != null && ip.isTextual()) {
                    IpAddressText.parse(ip.asText()).map(IpAddressText::withoutScope).ifPresent(out::add);
                }
            }
        });
        return List.copyOf(out);
    }
}
