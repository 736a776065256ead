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

/**
 * One interface Nova's {@code /etc/network/interfaces} template renders (nova-compat.md §5.2),
 * read from {@code network_data.json} with the same selection as
 * {@link io.guestdata.core.metadata.InterfacesTemplate}: links are counted {@code eth0, eth1, …} in
 * link order; a link with any {@code ipv4_dhcp}/{@code ipv6_dhcp} network is skipped; a link is
 * kept when it has a static {@code ipv4} or {@code ipv6} network (one with an {@code ip_address}),
 * and only the first of each family is used. The native formats ({@link NativeNetworkConfig})
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
        if (networkData == null || !networkData.isObject()) {
            return result;
        }
        int ifcNum = -1;
        for (JsonNode link : objects(networkData.get("links"))) {
            ifcNum++;
            String id = text(link.get("id"));
            List<JsonNode> networks = new ArrayList<>();
            if (id != null) {
                for (JsonNode network : objects(networkData.get("networks"))) {
                    if (id.equals(text(network.get("link")))) {
                        networks.add(network);
                    }
                }
            }
            if (networks.stream().anyMatch(n -> "ipv4_dhcp".equals(text(n.get("type")))
                    || "ipv6_dhcp".equals(text(n.get("type"))))) {
                continue;
            }
            Optional<Family> v4 = first(networks, "ipv4", 32);
            Optional<Family> v6 = first(networks, "ipv6", 128);
            if (v4.isEmpty() && v6.isEmpty()) {
                continue;
            }
            boolean automatic = networks.stream().map(n -> text(n.get("type")))
                    .anyMatch(t -> t != null && (t.equals("ipv6_slaac") || t.startsWith("ipv6_dhcpv6")));
            JsonNode mtu = link.get("mtu");
            result.add(new StaticInterface("eth" + ifcNum, id,
                    Optional.ofNullable(text(link.get("ethernet_mac_address"))).map(m -> m.toLowerCase(java.util.Locale.ROOT)),
                    mtu != null && mtu.canConvertToInt() && !mtu.isNull() ? OptionalInt.of(mtu.asInt()) : OptionalInt.empty(),
                    v4, v6, automatic));
        }
        return result;
    }

    private static Optional<Family> first(List<JsonNode> networks, String type, int bits) {
        for (JsonNode network : networks) {
            String ip = text(network.get("ip_address"));
            if (type.equals(text(network.get("type"))) && ip != null && !ip.isEmpty()) {
                return Optional.of(family(network, ip, bits));
            }
        }
        return Optional.empty();
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
