package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Nova's legacy Debian {@code /etc/network/interfaces} text ({@code nova/virt/interfaces.template} rendered
 * by {@code netutils.get_injected_network_template}, Jinja2 with {@code trim_blocks}; nova-compat.md §5.2),
 * derived from {@code network_data.json}.
 *
 * <p>Every link counts as {@code eth<N>} in link order: Nova emits a link for exactly the VIFs its template
 * counts (those with subnets), including a VIF whose subnets have no address and so no network entry.
 * Which links are rendered is {@link TemplateLink}'s selection: one with a static {@code ipv4} or {@code ipv6}
 * network (one with an {@code ip_address}) and no DHCP network with {@code dhcp_server} in the release. Only
 * the first network of each family is used, as Nova uses only the first subnet of each family; a DHCP
 * subnet's DNS servers are {@link NetworkData#dnsServers}. (Nova also renders a bare
 * {@code auto eth<N>} for a VIF with address-less, non-DHCP subnets; we cannot tell those from DHCP ones
 * in {@code network_data.json} and render nothing for them.)
 */
public final class InterfacesTemplate {

    static final String HEADER = """
            # Injected by Nova on instance boot
            #
            # This file describes the network interfaces available on your system
            # and how to activate them. For more information, see interfaces(5).

            # The loopback network interface
            auto lo
            iface lo inet loopback
            """;

    /** Jinja2 prints Python {@code None} as this text. */
    private static final String NONE = "None";

    private InterfacesTemplate() {
    }

    /**
     * The rendered text for disk injection, which selects links as Nova 26 does ({@link TemplateLink#of(JsonNode)}),
     * or empty when no link qualifies.
     *
     * @param networkData the instance's {@code network_data.json} object
     * @param lxc         render the IPv6 part as {@code post-up} commands, as Nova does for libvirt
     *                    {@code virt_type=lxc} (disk injection only; the metadata tree renders without)
     */
    public static Optional<String> render(JsonNode networkData, boolean lxc) {
        return render(networkData, lxc, NovaRelease.NOVA_26);
    }

    /**
     * The text {@code release} renders, or empty when no link qualifies.
     *
     * @param networkData the instance's {@code network_data.json} object
     * @param lxc         as {@link #render(JsonNode, boolean)}
     * @param release     whose links qualify ({@link TemplateLink#of(JsonNode, NovaRelease)})
     */
    public static Optional<String> render(JsonNode networkData, boolean lxc, NovaRelease release) {
        List<TemplateLink> links = TemplateLink.of(networkData, release);
        if (links.isEmpty()) {
            return Optional.empty();
        }
        List<Interface> interfaces = interfaces(links, new NetworkData(Optional.of((ObjectNode) networkData)));
        boolean useIpv6 = interfaces.stream().anyMatch(i -> i.addressV6 != null);
        StringBuilder out = new StringBuilder(HEADER);
        for (Interface ifc : interfaces) {
            out.append('\n');
            out.append("auto ").append(ifc.name).append('\n');
            if (ifc.address != null) {
                out.append("iface ").append(ifc.name).append(" inet static\n");
                out.append("    hwaddress ether ").append(ifc.hwaddress).append('\n');
                out.append("    address ").append(ifc.address).append('\n');
                out.append("    netmask ").append(ifc.netmask).append('\n');
                out.append("    broadcast ").append(ifc.broadcast).append('\n');
                if (!ifc.gateway.isEmpty()) {
                    out.append("    gateway ").append(ifc.gateway).append('\n');
                }
                if (!ifc.dns.isEmpty()) {
                    out.append("    dns-nameservers ").append(ifc.dns).append('\n');
                }
            }
            if (useIpv6 && ifc.addressV6 != null) {
                if (lxc) {
                    out.append("    post-up ip -6 addr add ").append(ifc.addressV6).append('/')
                            .append(ifc.netmaskV6).append(" dev ${IFACE}\n");
                    if (!ifc.gatewayV6.isEmpty()) {
                        out.append("    post-up ip -6 route add default via ").append(ifc.gatewayV6)
                                .append(" dev ${IFACE}\n");
                    }
                } else {
                    out.append("iface ").append(ifc.name).append(" inet6 static\n");
                    out.append("    hwaddress ether ").append(ifc.hwaddress).append('\n');
                    out.append("    address ").append(ifc.addressV6).append('\n');
                    out.append("    netmask ").append(ifc.netmaskV6).append('\n');
                    if (!ifc.gatewayV6.isEmpty()) {
                        out.append("    gateway ").append(ifc.gatewayV6).append('\n');
                    }
                    if (!ifc.dnsV6.isEmpty()) {
                        out.append("    dns-nameservers ").append(ifc.dnsV6).append('\n');
                    }
                }
            }
        }
        return Optional.of(out.toString());
    }

    /** One qualifying interface: the variables the template reads ({@code null} = Python None). */
    private record Interface(String name, String hwaddress,
                             String address, String netmask, String broadcast, String gateway, String dns,
                             String addressV6, String netmaskV6, String gatewayV6, String dnsV6) {
    }

    private static List<Interface> interfaces(List<TemplateLink> links, NetworkData data) {
        List<Interface> interfaces = new ArrayList<>();
        for (TemplateLink selected : links) {
            JsonNode v4 = selected.ipv4().orElse(null);
            JsonNode v6 = selected.ipv6().orElse(null);
            String hwaddress = orNone(NetworkData.text(selected.link().get("ethernet_mac_address")));
            String address = null;
            String netmask = null;
            String broadcast = null;
            String gateway = "";
            String dns = "";
            if (v4 != null) {
                address = NetworkData.text(v4.get("ip_address"));
                netmask = ipv4Netmask(v4.get("netmask"));
                broadcast = ipv4Broadcast(address, netmask);
                gateway = defaultGateway(v4, "0.0.0.0");
                dns = String.join(" ", data.dnsServers(v4));
            }
            String addressV6 = null;
            String netmaskV6 = null;
            String gatewayV6 = "";
            String dnsV6 = "";
            if (v6 != null) {
                addressV6 = NetworkData.text(v6.get("ip_address"));
                netmaskV6 = ipv6PrefixLength(v6.get("netmask"));
                gatewayV6 = defaultGateway(v6, "::");
                dnsV6 = String.join(" ", data.dnsServers(v6));
            }
            interfaces.add(new Interface(selected.name(), hwaddress, address, orNone(netmask), orNone(broadcast),
                    gateway, dns, addressV6, orNone(netmaskV6), gatewayV6, dnsV6));
        }
        return interfaces;
    }

    /** The gateway of the default route ({@code network} {@code 0.0.0.0} or {@code ::}), else {@code ""}. */
    private static String defaultGateway(JsonNode network, String defaultNetwork) {
        JsonNode routes = network.get("routes");
        if (routes != null && routes.isArray()) {
            for (JsonNode route : routes) {
                if (defaultNetwork.equals(NetworkData.text(route.get("network")))) {
                    String gateway = NetworkData.text(route.get("gateway"));
                    return gateway == null ? "" : gateway;
                }
            }
        }
        return "";
    }

    /** Dotted form; a prefix length is converted. */
    private static String ipv4Netmask(JsonNode netmask) {
        String text = NetworkData.text(netmask);
        if (text == null) {
            return null;
        }
        OptionalInt prefix = IpAddresses.prefixLength(text, 32);
        if (prefix.isPresent() && IpAddresses.parseIpv4(text).isEmpty()) {
            return IpAddresses.formatIpv4(IpAddresses.ipv4Mask(prefix.getAsInt()));
        }
        return text;
    }

    /**
     * The subnet broadcast address. As with netaddr 0.8.0 (Debian 12), a /31 or /32 has none and the
     * template prints {@code None}.
     */
    private static String ipv4Broadcast(String address, String netmask) {
        if (address == null || netmask == null) {
            return null;
        }
        OptionalLong ip = IpAddresses.parseIpv4(address);
        OptionalInt prefix = IpAddresses.prefixLength(netmask, 32);
        if (ip.isEmpty() || prefix.isEmpty() || prefix.getAsInt() >= 31) {
            return null;
        }
        long mask = IpAddresses.ipv4Mask(prefix.getAsInt());
        return IpAddresses.formatIpv4((ip.getAsLong() & mask) | (~mask & 0xffffffffL));
    }

    /** Nova renders the IPv6 netmask as the prefix length number. */
    private static String ipv6PrefixLength(JsonNode netmask) {
        String text = NetworkData.text(netmask);
        if (text == null) {
            return null;
        }
        OptionalInt prefix = IpAddresses.prefixLength(text, 128);
        return prefix.isPresent() ? Integer.toString(prefix.getAsInt()) : text;
    }

    private static String orNone(String value) {
        return value == null ? NONE : value;
    }
}
