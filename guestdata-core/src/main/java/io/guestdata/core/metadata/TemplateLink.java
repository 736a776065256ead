package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One interface of Nova's {@code /etc/network/interfaces} template (nova-compat.md §5.2), as selected from
 * {@code network_data.json}: every link counts as {@code eth<N>} in link order; a link whose
 * {@code ipv4_dhcp}/{@code ipv6_dhcp} networks have {@code dhcp_server} in the release
 * ({@link NetworkData#dhcpServer}) is skipped; a link is kept when it has a static {@code ipv4} or {@code ipv6}
 * network (one with an {@code ip_address}), and only the first of each family is used. On a link with DHCP
 * without a DHCP port in Nova 31 (OVN's native DHCP, docs/nova-releases.md row 5) the DHCP networks count as
 * static with the port's fixed IP (their {@code ip_address}); without one the address Nova renders is unknown
 * and the link is skipped.
 * The one place this selection is made: the template ({@link InterfacesTemplate}) and the native network
 * formats disk injection writes beside it render exactly these interfaces.
 *
 * @param name     {@code eth<N>}
 * @param link     the link object
 * @param ipv4     its first static IPv4 network (or DHCP one with its fixed IP, see above)
 * @param ipv6     its first static IPv6 network (or DHCP one with its fixed IP, see above)
 * @param networks all of its networks, in {@code networks} order
 */
public record TemplateLink(String name, JsonNode link, Optional<JsonNode> ipv4, Optional<JsonNode> ipv6,
                           List<JsonNode> networks) {

    public TemplateLink {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(link, "link");
        Objects.requireNonNull(ipv4, "ipv4");
        Objects.requireNonNull(ipv6, "ipv6");
        networks = List.copyOf(networks);
    }

    /**
     * The interfaces the template renders for disk injection, in order; empty without network data. Injection has
     * no release setting: it selects as Nova 26 does (a link with a DHCP network is skipped).
     */
    public static List<TemplateLink> of(JsonNode networkData) {
        return of(networkData, NovaRelease.NOVA_26);
    }

    /** The interfaces the template of {@code release} renders, in order; empty without network data. */
    public static List<TemplateLink> of(JsonNode networkData, NovaRelease release) {
        List<TemplateLink> result = new ArrayList<>();
        if (networkData == null || !networkData.isObject()) {
            return result;
        }
        NetworkData data = new NetworkData(Optional.of((ObjectNode) networkData));
        int ifcNum = -1;
        for (JsonNode link : data.links()) {
            ifcNum++;
            List<JsonNode> networks = data.networksOf(link);
            List<JsonNode> dhcp = networks.stream().filter(NetworkData::isDhcp).toList();
            if (data.dhcpServer(link, release)
                    || dhcp.stream().anyMatch(n -> !NetworkData.isStatic(n, NetworkData.text(n.get("type"))))) {
                continue;
            }
            Optional<JsonNode> v4 = first(networks, NetworkData.TYPE_IPV4, NetworkData.TYPE_IPV4_DHCP);
            Optional<JsonNode> v6 = first(networks, NetworkData.TYPE_IPV6, NetworkData.TYPE_IPV6_DHCP);
            if (v4.isPresent() || v6.isPresent()) {
                result.add(new TemplateLink("eth" + ifcNum, link, v4, v6, networks));
            }
        }
        return result;
    }

    /** The first network of the family with an address (a DHCP one here only on a link without dhcp_server). */
    private static Optional<JsonNode> first(List<JsonNode> networks, String staticType, String dhcpType) {
        return networks.stream().filter(n -> NetworkData.isStatic(n, staticType) || NetworkData.isStatic(n, dhcpType))
                .findFirst();
    }
}
