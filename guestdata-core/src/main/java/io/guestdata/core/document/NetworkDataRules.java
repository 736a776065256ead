package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code network_data}: the guest's network configuration in OpenStack {@code network_data.json}
 * form (nova-compat.md §5.1), served to the guest as given (key order kept). Only the structure
 * downstream code relies on is checked; other members of links, networks and services pass
 * through untouched, as cloud-init reads more than Nova writes (§9.4):
 * <ul>
 *   <li>the object has only {@code links}, {@code networks} and {@code services}, each an array;</li>
 *   <li>every link has a non-empty string {@code id}, unique among links, and an
 *       {@code ethernet_mac_address}, when present, of the form {@code xx:xx:xx:xx:xx:xx};</li>
 *   <li>every network has a non-empty string {@code id}, unique among networks, a string
 *       {@code type} and a string {@code link} naming one of the links;</li>
 *   <li>a network's {@code ip_address} is an IP literal of the family its type implies
 *       ({@code ipv4*} → IPv4, {@code ipv6*} → IPv6); its {@code netmask} a contiguous mask of the
 *       same family;</li>
 *   <li>a route has {@code network}, {@code netmask} (contiguous) and {@code gateway}, literals
 *       of one family;</li>
 *   <li>a service (in a network or at the top) has a string {@code type} and an IP literal
 *       {@code address}.</li>
 * </ul>
 * Literals are parsed as text ({@link IpLiteral}); no name is ever resolved.
 */
final class NetworkDataRules {

    static final Set<String> MEMBERS = Set.of("links", "networks", "services");
    private static final Pattern MAC = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final String PREFIX = "network_data";

    private NetworkDataRules() {
    }

    static Optional<ObjectNode> read(Members members) {
        Optional<ObjectNode> networkData = members.object(PREFIX, false);
        networkData.ifPresent(n -> check(new Members(n, members.at(PREFIX), PREFIX, members.errors())));
        return networkData.map(ObjectNode::deepCopy);
    }

    private static void check(Members top) {
        top.rejectUnknown(MEMBERS, "network_data.unknown_field");
        Set<String> linkIds = new HashSet<>();
        top.array("links", false).ifPresent(links ->
                eachObject(links, top.at("links"), "network_data.links", top.errors(), link -> checkLink(link, linkIds)));
        Set<String> networkIds = new HashSet<>();
        top.array("networks", false).ifPresent(networks ->
                eachObject(networks, top.at("networks"), "network_data.networks", top.errors(),
                        network -> checkNetwork(network, linkIds, networkIds)));
        top.array("services", false).ifPresent(services ->
                eachObject(services, top.at("services"), "network_data.services", top.errors(),
                        NetworkDataRules::checkService));
    }

    private static void checkLink(Members link, Set<String> linkIds) {
        uniqueId(link, linkIds, "link");
        link.string("ethernet_mac_address", false).ifPresent(mac -> {
            if (!MAC.matcher(mac).matches()) {
                link.errors().add(link.at("ethernet_mac_address"), link.rule("ethernet_mac_address", "pattern"),
                        "'" + InstanceFieldRules.abbreviate(mac) + "' is not a MAC address of the form xx:xx:xx:xx:xx:xx");
            }
        });
    }

    private static void checkNetwork(Members network, Set<String> linkIds, Set<String> networkIds) {
        uniqueId(network, networkIds, "network");
        Optional<String> type = network.string("type", true);
        network.string("link", true).ifPresent(link -> {
            if (!linkIds.contains(link)) {
                network.errors().add(network.at("link"), network.rule("link", "unknown"),
                        "no link has the id '" + InstanceFieldRules.abbreviate(link) + "'");
            }
        });
        Optional<Integer> family = type.flatMap(NetworkDataRules::familyOfType);
        Optional<IpLiteral> address = literal(network, "ip_address", false);
        address.ifPresent(a -> family.filter(f -> f != a.family()).ifPresent(f ->
                network.errors().add(network.at("ip_address"), network.rule("ip_address", "family"),
                        "a network of type '" + type.orElseThrow() + "' needs an IPv" + f + " address, this is IPv"
                                + a.family())));
        Optional<Integer> maskFamily = address.map(IpLiteral::family).or(() -> family);
        literal(network, "netmask", false).ifPresent(mask -> checkMask(network, "netmask", mask, maskFamily));
        network.array("routes", false).ifPresent(routes -> eachObject(routes, network.at("routes"),
                network.ruleOf("routes"), network.errors(), NetworkDataRules::checkRoute));
        network.array("services", false).ifPresent(services -> eachObject(services, network.at("services"),
                network.ruleOf("services"), network.errors(), NetworkDataRules::checkService));
    }

    private static void checkRoute(Members route) {
        Optional<IpLiteral> destination = literal(route, "network", true);
        Optional<IpLiteral> mask = literal(route, "netmask", true);
        Optional<IpLiteral> gateway = literal(route, "gateway", true);
        mask.ifPresent(m -> checkMask(route, "netmask", m, Optional.empty()));
        Set<Integer> families = new HashSet<>();
        destination.ifPresent(d -> families.add(d.family()));
        mask.ifPresent(m -> families.add(m.family()));
        gateway.ifPresent(g -> families.add(g.family()));
        if (families.size() > 1) {
            route.errors().add(route.at("gateway"), route.ruleOf("family"),
                    "network, netmask and gateway of a route must all be IPv4 or all IPv6");
        }
    }

    private static void checkService(Members service) {
        service.string("type", true);
        literal(service, "address", true);
    }

    private static void checkMask(Members owner, String member, IpLiteral mask, Optional<Integer> family) {
        if (!mask.isContiguousMask()) {
            owner.errors().add(owner.at(member), owner.rule(member, "contiguous"),
                    "a netmask must be ones followed by zeros (such as 255.255.255.0 or ffff:ffff:ffff:ffff::)");
        }
        family.filter(f -> f != mask.family()).ifPresent(f -> owner.errors().add(owner.at(member),
                owner.rule(member, "family"), "the netmask must be an IPv" + f + " mask, this is IPv" + mask.family()));
    }

    private static Optional<IpLiteral> literal(Members owner, String member, boolean required) {
        return owner.string(member, required).flatMap(text -> {
            Optional<IpLiteral> parsed = IpLiteral.parse(text);
            if (parsed.isEmpty()) {
                owner.errors().add(owner.at(member), owner.rule(member, "format"), "'"
                        + InstanceFieldRules.abbreviate(text) + "' is not an IPv4 or IPv6 address literal");
            }
            return parsed;
        });
    }

    private static void uniqueId(Members item, Set<String> seen, String what) {
        item.string("id", true).ifPresent(id -> {
            if (id.isEmpty()) {
                item.errors().add(item.at("id"), item.rule("id", "length"), "a " + what + " id must not be empty",
                        "at least 1 character");
            } else if (!seen.add(id)) {
                item.errors().add(item.at("id"), item.rule("id", "duplicate"),
                        "another " + what + " already has the id '" + InstanceFieldRules.abbreviate(id) + "'");
            }
        });
    }

    /** {@code ipv4*} types are IPv4, {@code ipv6*} IPv6; others ({@code static}, …) say nothing. */
    private static Optional<Integer> familyOfType(String type) {
        if (type.startsWith("ipv4")) {
            return Optional.of(4);
        }
        return type.startsWith("ipv6") ? Optional.of(6) : Optional.empty();
    }

    private static void eachObject(ArrayNode array, DocumentPointer at, String rulePrefix, DocumentErrors errors,
                                   java.util.function.Consumer<Members> check) {
        for (int i = 0; i < array.size(); i++) {
            JsonNode item = array.get(i);
            if (!item.isObject()) {
                errors.add(at.element(i), rulePrefix + ".item.type", "must be an object, is " + JsonTypes.describe(item));
                continue;
            }
            check.accept(new Members((ObjectNode) item, at.element(i), rulePrefix, errors));
        }
    }
}
