package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

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

    private final ObjectNode root;

    NetworkData(Optional<ObjectNode> networkData) {
        this.root = networkData.orElseGet(JsonNodeFactory.instance::objectNode);
    }

    ObjectNode root() {
        return root;
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

    /** The first {@code ip_address} of an {@code ipv4} (static) network: EC2 {@code local-ipv4}. */
    Optional<String> firstStaticIpv4() {
        for (JsonNode network : networks()) {
            if (isStatic(network, TYPE_IPV4)) {
                return Optional.of(network.get("ip_address").asText());
            }
        }
        return Optional.empty();
    }

    /** A network of {@code type} that carries a non-empty {@code ip_address}. */
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
