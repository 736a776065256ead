package io.guestdata.inject;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

import com.fasterxml.jackson.databind.JsonNode;

import io.guestdata.core.metadata.TemplateLink;

/**
 * One interface Nova's {@code /etc/network/interfaces} template renders (nova-compat.md §5.2),
 * as {@link TemplateLink} selects it from {@code network_data.json} (the one selection, which
 * {@link io.guestdata.core.metadata.InterfacesTemplate} renders too). The native formats ({@link NativeNetworkConfig})
 * describe exactly these interfaces, so every file guestdata writes agrees with the others.
 *
 * @param name   {@code eth<N>}, the template's name
 * @param linkId the {@code network_data.json} link id
 * @param mac    the link's {@code ethernet_mac_address}, lower case; the native formats match by it
 * @param mtu    the link's {@code mtu}, when not null
 * @param ipv4   the first static IPv4 network
 * @param ipv6   the first static IPv6 network
 * @param ipv6Automatic whether the link also has an {@code ipv6_slaac} or {@code ipv6_dhcpv6-*}
 *               network (router advertisements configure it)
 */
record StaticInterface(String name, String linkId, Optional<String> mac, OptionalInt mtu,
                       Optional<Family> ipv4, Optional<Family> ipv6, boolean ipv6Automatic) {

    StaticInterface {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(linkId, "linkId");
        Objects.requireNonNull(mac, "mac");
        Objects.requireNonNull(mtu, "mtu");
        Objects.requireNonNull(ipv4, "ipv4");
        Objects.requireNonNull(ipv6, "ipv6");
    }

    /**
     * One address family of an interface.
     *
     * @param address  the address literal
     * @param prefix   its prefix length
     * @param gateway  the gateway of the default route ({@code 0.0.0.0/0} or {@code ::/0}), if any
     * @param routes   the other routes, in order
     * @param dns      the network's DNS servers, in order
     */
    record Family(String address, int prefix, Optional<String> gateway, List<Route> routes, List<String> dns) {
        Family {
            routes = List.copyOf(routes);
            dns = List.copyOf(dns);
        }

        /** {@code address/prefix}. */
        String cidr() {
            return address + "/" + prefix;
        }
    }

    /**
     * A route other than the default one.
     *
     * @param destination {@code network/prefix}
     * @param gateway     the next hop
     */
    record Route(String destination, String gateway) {
    }

    /** The interfaces the template renders, in order; empty without network data. */
    static List<StaticInterface> of(JsonNode networkData) {
        List<StaticInterface> result = new ArrayList<>();
        for (TemplateLink selected : TemplateLink.of(networkData)) {
            JsonNode link = selected.link();
            boolean automatic = selected.networks().stream().map(n -> text(n.get("type")))
                    .anyMatch(t -> t != null && (t.equals("ipv6_slaac") || t.startsWith("ipv6_dhcpv6")));
            JsonNode mtu = link.get("mtu");
            result.add(new StaticInterface(selected.name(), text(link.get("id")),
                    Optional.ofNullable(text(link.get("ethernet_mac_address"))).map(m -> m.toLowerCase(java.util.Locale.ROOT)),
                    mtu != null && mtu.canConvertToInt() && !mtu.isNull() ? OptionalInt.of(mtu.asInt()) : OptionalInt.empty(),
                    selected.ipv4().map(n -> family(n, text(n.get("ip_address")), 32)),
                    selected.ipv6().map(n -> family(n, text(n.get("ip_address")), 128)), automatic));
        }
        return result;
    }

    private static Family family(JsonNode network, String ip, int bits) {
        String defaultNetwork = bits == 32 ? "0.0.0.0" : "::";
        Optional<String> gateway = Optional.empty();
        List<Route> routes = new ArrayList<>();
        for (JsonNode route : objects(network.get("routes"))) {
            String destination = text(route.get("network"));
            String via = text(route.get("gateway"));
            if (destination == null || via == null) {
                continue;
            }
            if (destination.equals(defaultNetwork) && gateway.isEmpty()) {
                gateway = Optional.of(via);
            } else {
                routes.add(new Route(destination + "/" + prefix(text(route.get("netmask")), bits), via));
            }
        }
        List<String> dns = new ArrayList<>();
        for (JsonNode service : objects(network.get("services"))) {
            String address = text(service.get("address"));
            if ("dns".equals(text(service.get("type"))) && address != null) {
                dns.add(address);
            }
        }
        return new Family(ip, prefix(text(network.get("netmask")), bits), gateway, routes, dns);
    }

    /**
     * The prefix length of a netmask given as a mask literal ({@code 255.255.255.0},
     * {@code ffff:ffff::}) or as a number; the full length when there is none.
     */
    static int prefix(String netmask, int bits) {
        if (netmask == null || netmask.isEmpty()) {
            return bits;
        }
        if (netmask.chars().allMatch(Character::isDigit)) {
            return Integer.parseInt(netmask);
        }
        try {
            // Literals only (the document parser checked them): getByName resolves no name.
            byte[] mask = InetAddress.getByName(netmask).getAddress();
            return new BigInteger(1, mask).bitCount();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("netmask '" + netmask + "' is not an address literal", e);
        }
    }

    private static List<JsonNode> objects(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(e -> {
                if (e.isObject()) {
                    list.add(e);
                }
            });
        }
        return list;
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.asText();
    }
}
