package io.guestdata.drive.nocloud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.drive.ImageException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * cloud-init network configuration version 1 from an OpenStack {@code network_data.json}, computed as
 * cloud-init 22.4's own {@code cloudinit.sources.helpers.openstack.convert_net_json} computes it when the
 * ConfigDrive datasource reads the same file (nova-compat.md §9.4), so that a NoCloud guest is given the
 * network a ConfigDrive guest derives. Member order follows Python's dict updates, so the output reads
 * like cloud-init's own, with one exception: a bond's parameters are named as cloud-init 25.1 names them.
 *
 * <p><b>Bond parameters.</b> 22.4 copies OpenStack's keys ({@code bond_mode}, {@code bond_miimon}, …) into the
 * bond's {@code params}; 25.1 renames them to the version 1 schema's {@code bond-mode}, {@code bond-miimon}, …
 * ({@code "bond-" + } what follows the key's first {@code bond_}), and so does this class: the seed follows the
 * schema both releases document. Both releases take either spelling from a seed as it is; their ENI renderer writes
 * the options through and ifupdown reads both spellings as the same variable.
 *
 * <p><b>Interface names.</b> cloud-init names a physical link the guest NIC that has its MAC address
 * ({@code known_macs}, read from the running guest). A seed is written before the guest runs, so links
 * that need a name get {@code eth0}, {@code eth1}, … in link order (one per distinct MAC), the names the
 * kernel gives NICs in PCI order, which is Nova's VIF order. With a v1 {@code physical} entry naming a
 * MAC, cloud-init renames the NIC with that MAC to that name on a NoCloud guest, so the names hold
 * whatever the kernel called the NIC; a link with its own {@code name} keeps it, as in
 * {@code convert_net_json}.
 *
 * <p><b>Refused</b> (an {@link ImageException} naming the JSON pointer): what makes {@code convert_net_json}
 * raise, since a ConfigDrive guest would then get no network either: a link without {@code type}, a
 * physical link with neither MAC nor {@code name}, a bond without {@code bond_links} or naming an unknown
 * link, a VLAN without {@code vlan_link}, {@code vlan_id} or {@code vlan_mac_address} or on an unknown
 * link; also a {@code vlan_id} that is not a string or integer, or contains {@code %} (Python would
 * format it into the name), and a bond or VLAN whose lower link ends up without a name (cloud-init
 * would write the interface name {@code "None"}).
 */
final class NetworkConfigV1 {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final Set<String> PHYSICAL_KEYS = Set.of("name", "type", "mac_address", "subnets", "params", "mtu");
    private static final Set<String> SUBNET_KEYS = Set.of("type", "address", "netmask", "broadcast", "metric",
            "gateway", "pointopoint", "scope", "dns_nameservers", "dns_search", "routes");
    private static final String POINTER = "network_data";

    private NetworkConfigV1() {
    }

    /**
     * A bond parameter's version 1 name for an OpenStack bond key: {@code "bond-"} followed by what follows the key's
     * first {@code "bond_"} (the whole key if it has none), as cloud-init 25.1's {@code convert_net_json} names it.
     */
    static String bondParameter(String key) {
        int at = key.indexOf("bond_");
        return "bond-" + (at < 0 ? key : key.substring(at + "bond_".length()));
    }

    /** A link's facts the later passes need ({@code curinfo} in cloud-init). */
    private static final class LinkInfo {
        JsonNode name;
        JsonNode mac;

        LinkInfo(JsonNode name, JsonNode mac) {
            this.name = name;
            this.mac = mac;
        }
    }

    /** A member to fill in once every link has a name ({@code link_updates}). */
    private record LinkUpdate(ObjectNode cfg, String key, String format, JsonNode targets, String pointer) {
    }

    /** {@code {"version": 1, "config": [...]}} for {@code networkJson} (the object network_data.json holds). */
    static ObjectNode convert(JsonNode networkJson) throws ImageException {
        List<JsonNode> links = elements(networkJson.get("links"));
        List<JsonNode> networks = elements(networkJson.get("networks"));
        List<JsonNode> services = elements(networkJson.get("services"));

        List<LinkUpdate> linkUpdates = new ArrayList<>();
        Map<String, LinkInfo> linkIdInfo = new LinkedHashMap<>();
        int bondNumber = 0;
        ArrayNode config = JSON.arrayNode();
        for (int index = 0; index < links.size(); index++) {
            JsonNode link = links.get(index);
            String at = POINTER + "/links/" + index;
            ObjectNode cfg = JSON.objectNode();
            link.properties().forEach(m -> {
                if (PHYSICAL_KEYS.contains(m.getKey())) {
                    cfg.set(m.getKey(), m.getValue().deepCopy());
                }
            });
            JsonNode type = required(link, "type", at);
            linkId(link, at);
            String id = link.get("id").asText();

            JsonNode linkMac = JSON.nullNode();
            if (truthy(link.get("ethernet_mac_address"))) {
                linkMac = JSON.textNode(link.get("ethernet_mac_address").asText().toLowerCase(java.util.Locale.ROOT));
            }
            LinkInfo info = new LinkInfo(cfg.has("name") ? cfg.get("name") : JSON.nullNode(), linkMac);

            ArrayNode subnets = JSON.arrayNode();
            for (JsonNode network : networks) {
                if (!link.get("id").equals(network.get("link"))) {
                    continue;
                }
                String networkType = network.path("type").asText("");
                ObjectNode subnet = JSON.objectNode();
                network.properties().forEach(m -> {
                    if (SUBNET_KEYS.contains(m.getKey())) {
                        subnet.set(m.getKey(), m.getValue().deepCopy());
                    }
                });
                JsonNode address = network.has("ip_address") ? network.get("ip_address").deepCopy() : JSON.nullNode();
                switch (networkType) {
                    case "ipv4_dhcp" -> subnet.put("type", "dhcp4");
                    case "ipv6_dhcp" -> subnet.put("type", "dhcp6");
                    case "ipv6_slaac", "ipv6_dhcpv6-stateless", "ipv6_dhcpv6-stateful" -> subnet.put("type", networkType);
                    case "ipv4", "static" -> {
                        subnet.put("type", "static");
                        subnet.set("address", address);
                    }
                    case "ipv6", "static6" -> {
                        cfg.put("accept-ra", false);
                        subnet.put("type", "static6");
                        subnet.set("address", address);
                    }
                    default -> {
                        // kept as the network gives it, as convert_net_json does
                    }
                }
                if (networkType.equals("ipv6_dhcpv6-stateful") || networkType.equals("ipv6_dhcp")) {
                    cfg.put("accept-ra", true);
                }
                if (networkType.equals("ipv4")) {
                    subnet.put("ipv4", true);
                }
                if (networkType.equals("ipv6")) {
                    subnet.put("ipv6", true);
                }
                subnets.add(subnet);
            }
            cfg.set("subnets", subnets);

            String linkType = type.isTextual() ? type.asText() : null;
            if ("bond".equals(linkType)) {
                if (!linkMac.isNull()) {
                    cfg.set("mac_address", linkMac);
                }
                ObjectNode params = JSON.objectNode();
                link.properties().forEach(m -> {
                    if (!m.getKey().equals("bond_links") && m.getKey().startsWith("bond")) {
                        params.set(bondParameter(m.getKey()), m.getValue().deepCopy());
                    }
                });
                String name = "bond" + bondNumber++;
                linkUpdates.add(new LinkUpdate(cfg, "bond_interfaces", "%s", required(link, "bond_links", at),
                        at + "/bond_links"));
                cfg.set("params", params);
                cfg.put("name", name);
                info.name = JSON.textNode(name);
            } else if ("vlan".equals(linkType)) {
                JsonNode lower = required(link, "vlan_link", at);
                String vlanId = vlanId(required(link, "vlan_id", at), at + "/vlan_id");
                JsonNode vlanMac = required(link, "vlan_mac_address", at);
                String name = pythonStr(lower, at + "/vlan_link") + "." + vlanId;
                cfg.put("name", name);
                cfg.set("vlan_id", link.get("vlan_id").deepCopy());
                cfg.set("mac_address", vlanMac.deepCopy());
                linkUpdates.add(new LinkUpdate(cfg, "vlan_link", "%s", lower, at + "/vlan_link"));
                linkUpdates.add(new LinkUpdate(cfg, "name", "%s." + vlanId, lower, at + "/vlan_link"));
                info.mac = vlanMac;
                info.name = JSON.textNode(name);
            } else {
                cfg.put("type", "physical");
                cfg.set("mac_address", linkMac);
            }
            config.add(cfg);
            linkIdInfo.put(id, info);
        }

        Map<ObjectNode, Integer> needNames = new LinkedHashMap<>();
        for (int index = 0; index < config.size(); index++) {
            JsonNode d = config.get(index);
            if ("physical".equals(d.path("type").asText(null)) && !d.has("name")) {
                needNames.put((ObjectNode) d, index);
            }
        }
        if (!needNames.isEmpty() || !linkUpdates.isEmpty()) {
            Map<String, String> knownMacs = knownMacs(needNames);
            for (LinkInfo info : linkIdInfo.values()) {
                if (!truthy(info.name) && info.mac.isTextual() && knownMacs.containsKey(info.mac.asText())) {
                    info.name = JSON.textNode(knownMacs.get(info.mac.asText()));
                }
            }
            for (ObjectNode d : needNames.keySet()) {
                d.put("name", knownMacs.get(d.get("mac_address").asText()));
            }
            for (LinkUpdate update : linkUpdates) {
                if (update.targets().isArray()) {
                    ArrayNode names = JSON.arrayNode();
                    for (JsonNode target : update.targets()) {
                        names.add(update.format().formatted(nameOf(target, linkIdInfo, update.pointer())));
                    }
                    update.cfg().set(update.key(), names);
                } else {
                    update.cfg().put(update.key(),
                            update.format().formatted(nameOf(update.targets(), linkIdInfo, update.pointer())));
                }
            }
        }

        for (int index = 0; index < services.size(); index++) {
            JsonNode service = services.get(index);
            if (!service.isObject()) {
                throw new ImageException(POINTER + "/services/" + index, "is not an object; cloud-init's "
                        + "convert_net_json cannot read it");
            }
            ObjectNode cfg = ((ObjectNode) service).deepCopy();
            cfg.put("type", "nameserver");
            config.add(cfg);
        }
        ObjectNode result = JSON.objectNode();
        result.put("version", 1);
        result.set("config", config);
        return result;
    }

    /**
     * The names this seed gives NICs in place of the guest's {@code known_macs}: {@code eth<k>} for the
     * k-th distinct MAC among the physical links that need a name, in link order.
     */
    private static Map<String, String> knownMacs(Map<ObjectNode, Integer> needNames) throws ImageException {
        Map<String, String> known = new LinkedHashMap<>();
        for (Map.Entry<ObjectNode, Integer> d : needNames.entrySet()) {
            JsonNode mac = d.getKey().get("mac_address");
            if (!truthy(mac)) {
                throw new ImageException(POINTER + "/links/" + d.getValue(), "has neither ethernet_mac_address nor "
                        + "name: cloud-init cannot tell which NIC it is (convert_net_json raises \"No mac_address or "
                        + "name entry\")");
            }
            known.putIfAbsent(mac.asText(), "eth" + known.size());
        }
        return known;
    }

    private static String nameOf(JsonNode target, Map<String, LinkInfo> linkIdInfo, String pointer)
            throws ImageException {
        LinkInfo info = target.isTextual() ? linkIdInfo.get(target.asText()) : null;
        if (info == null) {
            throw new ImageException(pointer, "names " + target + ", which is not the id of a link; cloud-init's "
                    + "convert_net_json cannot resolve it");
        }
        if (!truthy(info.name)) {
            throw new ImageException(pointer, "link " + target + " has no interface name cloud-init could give it "
                    + "(no name and no MAC of a physical NIC); cloud-init would write the name \"None\"");
        }
        if (!info.name.isTextual()) {
            throw new ImageException(pointer, "link " + target + " has the name " + info.name + ", not a string");
        }
        return info.name.asText();
    }

    private static String linkId(JsonNode link, String at) throws ImageException {
        JsonNode id = required(link, "id", at);
        if (!id.isTextual()) {
            throw new ImageException(at + "/id", "must be a string");
        }
        return id.asText();
    }

    private static JsonNode required(JsonNode object, String member, String at) throws ImageException {
        JsonNode value = object.get(member);
        if (value == null) {
            throw new ImageException(at, "has no " + member + "; cloud-init's convert_net_json needs it (it raises "
                    + "KeyError: '" + member + "')");
        }
        return value;
    }

    /** Python's {@code "%s" % value} for the JSON values it is defined on here: strings and integers. */
    private static String pythonStr(JsonNode value, String pointer) throws ImageException {
        if (value.isTextual()) {
            return value.asText();
        }
        if (value.isIntegralNumber()) {
            return value.bigIntegerValue().toString();
        }
        throw new ImageException(pointer, "must be a string or an integer to form an interface name, is " + value);
    }

    /** A {@code vlan_id} as cloud-init puts it into the format {@code "%%s.%s" % vlan_id}. */
    private static String vlanId(JsonNode value, String pointer) throws ImageException {
        String text = pythonStr(value, pointer);
        if (text.contains("%")) {
            throw new ImageException(pointer, "'" + text + "' contains '%', which cloud-init would take as a format "
                    + "directive in the interface name");
        }
        return text;
    }

    /** Python's truth value of a JSON value. */
    static boolean truthy(JsonNode value) {
        if (value == null || value.isNull() || value.isMissingNode()) {
            return false;
        }
        if (value.isTextual()) {
            return !value.asText().isEmpty();
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isNumber()) {
            return value.isIntegralNumber() ? value.bigIntegerValue().signum() != 0 : value.doubleValue() != 0;
        }
        if (value.isContainerNode()) {
            return !value.isEmpty();
        }
        return true;
    }

    private static List<JsonNode> elements(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        if (array != null && array.isArray()) {
            array.forEach(out::add);
        }
        return out;
    }
}
