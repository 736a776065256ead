package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Read access to an instance's {@code network_data.json} object (nova-compat.md §5.1): {@code links},
 * {@code networks} (each naming its link by id) and {@code services}. Tolerates missing members: the
 * document parser owns validation.
 */
final class NetworkData {
    static final String TYPE_IPV4 = "ipv4";
    static final String TYPE_IPV6 = "ipv6";
    static final String TYPE_IPV4_DHCP = "ipv4_dhcp";
    static final String TYPE_IPV6_DHCP = "ipv6_dhcp";
    /** What a document may say of a DHCP network's subnet and fixed IP, and Nova's DHCP form does not print. */
    private static final List<String> DHCP_SUBNET_FACTS = List.of("ip_address", "netmask", "routes", "services");

    private final ObjectNode root;

    NetworkData(Optional<ObjectNode> networkData) {
        this.root = networkData.orElseGet(JsonNodeFactory.instance::objectNode);
    }

    ObjectNode root() {
        return root;
    }

    /**
     * {@code network_data.json} as {@code release} prints it for this document (nova-compat.md §5.1): as given,
     * except that a DHCP network ({@code ipv4_dhcp}/{@code ipv6_dhcp}) is printed in Nova's DHCP form, without
     * the {@code ip_address}, {@code netmask}, {@code routes} and {@code services} that describe the port's fixed
     * IP and its subnet to the interfaces template, and that a link with a DHCP network has {@code mtu} null
     * where the release gives the subnet {@code dhcp_server} ({@link #dhcpServer}).
     */
    ObjectNode printed(NovaRelease release) {
        ObjectNode printed = root.deepCopy();
        for (JsonNode network : objects(printed.get("networks"))) {
            if (isDhcp(network)) {
                ((ObjectNode) network).remove(DHCP_SUBNET_FACTS);
            }
        }
        for (JsonNode link : objects(printed.get("links"))) {
            if (link.has("mtu") && dhcpServer(link, release)) {
                ((ObjectNode) link).putNull("mtu");
            }
        }
        return printed;
    }

    /**
     * Whether the subnets of {@code link}'s DHCP networks have {@code dhcp_server} meta in {@code release}: a
     * DHCP agent's port gives it in every release, and the document says so with a null (or absent) link mtu,
     * which such a port makes Nova print; a DHCP network on a link with an mtu is DHCP without a port (OVN's
     * native DHCP), which has it only where {@link NovaRelease#dhcpServerWithoutDhcpPort()} says so. False for
     * a link without DHCP networks.
     */
    boolean dhcpServer(JsonNode link, NovaRelease release) {
        if (networksOf(link).stream().noneMatch(NetworkData::isDhcp)) {
            return false;
        }
        JsonNode mtu = link.get("mtu");
        return mtu == null || mtu.isNull() || release.dhcpServerWithoutDhcpPort();
    }

    /**
     * The DNS servers of {@code network}'s subnet: its {@code services}; for the first DHCP network (links
     * order) without any, the top-level ones no network lists, since Nova prints a DHCP subnet's DNS servers only
     * at the top level.
     */
    List<String> dnsServers(JsonNode network) {
        List<String> own = dnsAddresses(network.get("services"));
        if (!own.isEmpty() || !isDhcp(network) || firstDhcpNetwork() != network) {
            return own;
        }
        Set<String> listed = new LinkedHashSet<>();
        for (JsonNode other : networks()) {
            listed.addAll(dnsAddresses(other.get("services")));
        }
        List<String> leftover = new ArrayList<>();
        for (String address : dnsAddresses(root.get("services"))) {
            if (!listed.contains(address) && !leftover.contains(address)) {
                leftover.add(address);
            }
        }
        return leftover;
    }

    private JsonNode firstDhcpNetwork() {
        for (JsonNode link : links()) {
            for (JsonNode network : networksOf(link)) {
                if (isDhcp(network)) {
                    return network;
                }
            }
        }
        return null;
    }

    private static List<String> dnsAddresses(JsonNode services) {
        List<String> addresses = new ArrayList<>();
        for (JsonNode service : objects(services)) {
            String address = text(service.get("address"));
            if ("dns".equals(text(service.get("type"))) && address != null) {
                addresses.add(address);
            }
        }
        return addresses;
    }

    List<JsonNode> links() {
        return objects(root.get("links"));
    }

    List<JsonNode> networks() {
        return objects(root.get("networks"));
    }

    /** The networks attached to {@code link}, in {@code networks} order. */
    List<JsonNode> networksOf(JsonNode link) {
        JsonNode id = link.get("id");
        List<JsonNode> attached = new ArrayList<>();
        if (id == null || id.isNull()) {
            return attached;
        }
        for (JsonNode network : networks()) {
            if (id.equals(network.get("link"))) {
                attached.add(network);
            }
        }
        return attached;
    }

    /**
     * The first {@code ip_address} of an {@code ipv4} or {@code ipv4_dhcp} network, Nova's first fixed IPv4:
     * EC2 {@code local-ipv4}.
     */
    Optional<String> firstFixedIpv4() {
        for (JsonNode network : networks()) {
            if (isStatic(network, TYPE_IPV4) || isStatic(network, TYPE_IPV4_DHCP)) {
                return Optional.of(network.get("ip_address").asText());
            }
        }
        return Optional.empty();
    }

    /** A network of {@code type} that carries a non-empty {@code ip_address} (for a DHCP type: the port's fixed IP). */
    static boolean isStatic(JsonNode network, String type) {
        JsonNode ip = network.get("ip_address");
        return type.equals(text(network.get("type"))) && ip != null && !ip.isNull() && !ip.asText().isEmpty();
    }

    static boolean isDhcp(JsonNode network) {
        String type = text(network.get("type"));
        return TYPE_IPV4_DHCP.equals(type) || TYPE_IPV6_DHCP.equals(type);
    }

    static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }

    private static List<JsonNode> objects(JsonNode array) {
        List<JsonNode> objects = new ArrayList<>();
        if (array != null && array.isArray()) {
            for (JsonNode element : array) {
                if (element.isObject()) {
                    objects.add(element);
                }
            }
        }
        return objects;
    }
}
