package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.drive.ImageException;
import io.guestdata.testkit.NovaOracle;
import java.util.ArrayList;
import io.guestdata.testkit.ToolTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link NetworkConfigV1} gives what cloud-init 22.4's own {@code convert_net_json} gives for the same
 * network_data.json, member order included, when the guest's NICs have the names the seed gives them
 * ({@code known_macs}); and refuses what makes {@code convert_net_json} raise. Bond parameters are named as
 * 25.1 names them ({@code bond-mode}; 22.4: {@code bond_mode}, see {@code assertWhat22NamedOtherwise}); against
 * 25.1 the rest holds but for the per-subnet {@code dns_nameservers} it adds ({@code assertWhat25Added}).
 */
@ToolTest
class NetworkConfigV1Test {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String M1 = "fa:16:3e:00:00:01";
    private static final String M2 = "fa:16:3e:00:00:02";

    /** Each case: the network_data.json, and the NIC names the seed is expected to give (MAC -> name). */
    private static final Map<String, String[]> CASES = new LinkedHashMap<>();

    static {
        CASES.put("""
                {"links": [{"id": "tapabc", "vif_id": "p1", "type": "ovs", "mtu": 1450, "ethernet_mac_address": "fa:16:3e:00:00:01"}],
                 "networks": [
                  {"id": "network0", "type": "ipv4", "link": "tapabc", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
                   "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"},
                              {"network": "192.168.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254"}],
                   "network_id": "n1", "services": [{"type": "dns", "address": "8.8.8.8"}]},
                  {"id": "network1", "type": "ipv6", "link": "tapabc", "ip_address": "fd00::5", "netmask": "ffff:ffff:ffff:ffff::",
                   "routes": [{"network": "::", "netmask": "::", "gateway": "fd00::1"}], "network_id": "n1",
                   "services": [{"type": "dns", "address": "fd00::53"}]}],
                 "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "dns", "address": "fd00::53"}]}
                """, new String[] {M1, "eth0"});
        CASES.put("""
                {"links": [{"id": "interface0", "vif_id": "p1", "type": "phy", "mtu": null, "ethernet_mac_address": "FA:16:3E:00:00:01"}],
                 "networks": [{"id": "network0", "type": "ipv4_dhcp", "link": "interface0", "network_id": "n1"},
                  {"id": "network1", "type": "ipv6_slaac", "link": "interface0", "ip_address": "fd00::5",
                   "netmask": "ffff:ffff:ffff:ffff::", "routes": [{"network": "::", "netmask": "::", "gateway": "fd00::1"}],
                   "network_id": "n1", "services": [{"type": "dns", "address": "fd00::53"}]}],
                 "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "dns", "address": "fd00::53"}]}
                """, new String[] {M1, "eth0"});
        CASES.put("""
                {"links": [{"id": "a", "type": "tap", "ethernet_mac_address": "fa:16:3e:00:00:01"},
                           {"id": "b", "type": "something-new", "mtu": 9000, "ethernet_mac_address": "fa:16:3e:00:00:02"}],
                 "networks": [{"id": "n0", "type": "ipv6_dhcpv6-stateful", "link": "a"},
                              {"id": "n1", "type": "ipv6_dhcp", "link": "b"},
                              {"id": "n2", "type": "ipv6_dhcpv6-stateless", "link": "b"},
                              {"id": "n3", "type": "future-type", "link": "b", "metric": 100, "scope": "link"}],
                 "services": [{"type": "dns", "address": "10.0.0.2", "extra": "kept"}]}
                """, new String[] {M1, "eth0", M2, "eth1"});
        CASES.put("""
                {"links": [{"id": "nic-a", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"},
                           {"id": "nic-b", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02"},
                           {"id": "bond-x", "type": "bond", "bond_links": ["nic-a", "nic-b"], "bond_mode": "802.3ad",
                            "bond_miimon": 100, "bond_xmit_hash_policy": "layer3+4", "mtu": 9000,
                            "ethernet_mac_address": "fa:16:3e:00:00:01"},
                           {"id": "vlan-y", "type": "vlan", "vlan_link": "bond-x", "vlan_id": 100,
                            "vlan_mac_address": "fa:16:3e:00:00:01"},
                           {"id": "vlan-z", "type": "vlan", "vlan_link": "nic-b", "vlan_id": "42",
                            "vlan_mac_address": "fa:16:3e:00:00:02"}],
                 "networks": [{"id": "n0", "type": "ipv4", "link": "bond-x", "ip_address": "10.1.0.5", "netmask": "255.255.255.0"},
                              {"id": "n1", "type": "ipv4_dhcp", "link": "vlan-y"},
                              {"id": "n2", "type": "ipv6", "link": "vlan-z", "ip_address": "fd01::5", "netmask": "ffff:ffff:ffff:ffff::"}],
                 "services": []}
                """, new String[] {M1, "eth0", M2, "eth1"});
        CASES.put("""
                {"links": [{"id": "a", "type": "phy", "name": "ens3", "ethernet_mac_address": "fa:16:3e:00:00:01"},
                           {"id": "b", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:02"},
                           {"id": "c", "type": "vlan", "vlan_link": "a", "vlan_id": 7, "vlan_mac_address": "fa:16:3e:00:00:01"}],
                 "networks": [{"id": "n0", "type": "static", "link": "b", "ip_address": "192.0.2.9", "netmask": "255.255.255.0",
                               "gateway": "192.0.2.1", "dns_nameservers": ["192.0.2.53"], "dns_search": ["example.org"]}]}
                """, new String[] {M2, "eth0"});
        CASES.put("{}", new String[] {});
        CASES.put("{\"links\": [], \"networks\": [], \"services\": [{\"type\": \"dns\", \"address\": \"1.1.1.1\"}]}",
                new String[] {});
    }

    private static final String CONVERT = """
            import copy
            from cloudinit import net
            from cloudinit.sources.helpers import openstack
            net.get_ib_hwaddrs_by_interface = lambda: {}   # the host's InfiniBand NICs are not the guest's
            out = []
            for case in data:
                try:
                    out.append({"ok": openstack.convert_net_json(copy.deepcopy(case["nd"]), known_macs=case["macs"])})
                except Exception as e:
                    out.append({"error": "%s: %s" % (type(e).__name__, e)})
            print(json.dumps(out))
            """;

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void equalsCloudInitsOwnConversion(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        ArrayNode batch = JsonNodeFactory.instance.arrayNode();
        for (Map.Entry<String, String[]> c : CASES.entrySet()) {
            ObjectNode macs = JsonNodeFactory.instance.objectNode();
            for (int i = 0; i < c.getValue().length; i += 2) {
                macs.put(c.getValue()[i], c.getValue()[i + 1]);
            }
            batch.addObject().<ObjectNode>set("nd", JSON.readTree(c.getKey())).set("macs", macs);
        }
        JsonNode cloudInit = CloudInitPython.run(debian, CONVERT, batch);
        int i = 0;
        for (String nd : CASES.keySet()) {
            JsonNode expected = cloudInit.get(i++);
            assertTrue(expected.has("ok"), "cloud-init failed on case " + i + ": " + expected);
            ObjectNode ours = NetworkConfigV1.convert(JSON.readTree(nd));
            if (debian.equals("13")) {
                assertWhat25Added(JSON.readTree(nd), expected.get("ok"));
            } else {
                assertWhat22NamedOtherwise(expected.get("ok"));
            }
            assertEquals(expected.get("ok"), ours, "case " + i + ":\n" + nd);
            assertEquals(expected.get("ok").toString(), ours.toString(), "case " + i + ": same members, other order");
        }
    }

    /**
     * cloud-init 25.1's conversion differs from ours (22.4's but for bond parameter names) in one way: it adds each
     * subnet's {@code dns_nameservers}, the DNS servers of the network's own {@code services} (and of its routes'),
     * which both also list as top-level {@code nameserver} entries, so a guest resolves through the same servers
     * either way. This checks that this is all it adds and removes it from {@code converted}, so that everything else
     * must equal ours.
     */
    private static void assertWhat25Added(JsonNode nd, JsonNode converted) {
        List<List<String>> networksDns = new ArrayList<>();   // per network with DNS services, as 25.1 collects them
        for (JsonNode network : nd.path("networks")) {
            List<String> dns = new ArrayList<>();
            for (JsonNode route : network.path("routes")) {
                route.path("services").forEach(sv -> {
                    if (sv.path("type").asText().equals("dns")) {
                        dns.add(sv.get("address").asText());
                    }
                });
            }
            network.path("services").forEach(sv -> {
                if (sv.path("type").asText().equals("dns") && !dns.contains(sv.get("address").asText())) {
                    dns.add(sv.get("address").asText());
                }
            });
            if (!dns.isEmpty()) {
                networksDns.add(dns);
            }
        }
        List<List<String>> added = new ArrayList<>();
        for (JsonNode entry : converted.get("config")) {
            for (JsonNode subnet : entry.path("subnets")) {
                List<String> listed = new ArrayList<>();
                subnet.path("dns_nameservers").forEach(a -> listed.add(a.asText()));
                if (networksDns.contains(listed)) {   // not a network's own dns_nameservers key, which both copy
                    added.add(listed);
                    ((ObjectNode) subnet).remove("dns_nameservers");
                }
            }
        }
        assertEquals(networksDns, added, "25.1 gives each subnet its network's DNS servers: " + converted);
    }

    /**
     * cloud-init 22.4 copies OpenStack's bond keys ({@code bond_mode} …) into a bond's {@code params}, which only its
     * netplan renderer reads; ours (as 25.1) names them as the version 1 schema does ({@code bond-mode} …), which
     * every renderer reads. This checks that 22.4 named each as OpenStack does and renames them in
     * {@code converted}, so that everything else must equal ours.
     */
    private static void assertWhat22NamedOtherwise(JsonNode converted) {
        for (JsonNode entry : converted.get("config")) {
            if (entry.has("params")) {
                ObjectNode renamed = JsonNodeFactory.instance.objectNode();
                entry.get("params").properties().forEach(p -> {
                    assertTrue(p.getKey().startsWith("bond_"), "22.4's bond parameter " + p.getKey());
                    renamed.set("bond-" + p.getKey().substring("bond_".length()), p.getValue());
                });
                ((ObjectNode) entry).set("params", renamed);
            }
        }
    }

    /** cloud-init's ENI renderer (Debian's ifupdown guests) on a version 1 config: the interfaces file it writes. */
    private static final String RENDER_ENI = """
            from cloudinit.net import eni, network_state
            state = network_state.parse_net_config_data(data)
            print(json.dumps(eni.Renderer()._render_interfaces(state)))
            """;

    /**
     * cloud-init's ENI renderer (Debian's ifupdown guests), in both releases, writes the bond our config describes:
     * its mode, link monitoring and hash policy as the {@code bond-} options ifenslave reads, on the bond and on
     * each of its links.
     */
    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void eniRendererConfiguresTheBondFromOurConfig(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        ObjectNode ours = NetworkConfigV1.convert(JSON.readTree(CASES.keySet().stream().toList().get(3)));
        String rendered = CloudInitPython.run(debian, RENDER_ENI, ours).asText();
        // ifupdown hands an option to its scripts as IF_<NAME>, '-' made '_': bond-xmit_hash_policy is ifenslave's
        for (String line : List.of("bond-mode 802.3ad", "bond-miimon 100", "bond-xmit_hash_policy layer3+4")) {
            assertEquals(3, rendered.lines().filter(l -> l.strip().equals(line)).count(),
                    "'" + line + "' on bond0, eth0 and eth1 in:\n" + rendered);
        }
    }

    @Test
    void bondAndVlanNamesFollowCloudInit() throws Exception {
        ObjectNode config = NetworkConfigV1.convert(JSON.readTree(CASES.keySet().stream().toList().get(3)));
        JsonNode entries = config.get("config");
        assertEquals("eth0", entries.get(0).get("name").asText());
        assertEquals("bond0", entries.get(2).get("name").asText());
        assertEquals(JSON.readTree("[\"eth0\", \"eth1\"]"), entries.get(2).get("bond_interfaces"));
        assertEquals("bond0.100", entries.get(3).get("name").asText());
        assertEquals("bond0", entries.get(3).get("vlan_link").asText());
        assertEquals("eth1.42", entries.get(4).get("name").asText());
    }

    /** Each: network_data cloud-init's conversion raises on, and the JSON pointer our refusal names. */
    private static final Map<String, String> REFUSED = new LinkedHashMap<>();

    static {
        REFUSED.put("{\"links\": [{\"id\": \"a\", \"ethernet_mac_address\": \"" + M1 + "\"}]}", "network_data/links/0");
        REFUSED.put("{\"links\": [{\"id\": \"a\", \"type\": \"phy\"}]}", "network_data/links/0");
        REFUSED.put("{\"links\": [{\"id\": \"a\", \"type\": \"bond\"}]}", "network_data/links/0");
        REFUSED.put("{\"links\": [{\"id\": \"a\", \"type\": \"phy\", \"ethernet_mac_address\": \"" + M1 + "\"},"
                + " {\"id\": \"v\", \"type\": \"vlan\", \"vlan_link\": \"a\", \"vlan_id\": 5}]}", "network_data/links/1");
        REFUSED.put("{\"links\": [{\"id\": \"a\", \"type\": \"phy\", \"ethernet_mac_address\": \"" + M1 + "\"},"
                + " {\"id\": \"b\", \"type\": \"bond\", \"bond_links\": [\"a\", \"nope\"]}]}", "network_data/links/1/bond_links");
        REFUSED.put("{\"links\": [{\"id\": \"v\", \"type\": \"vlan\", \"vlan_link\": \"nope\", \"vlan_id\": 5,"
                + " \"vlan_mac_address\": \"" + M1 + "\"}]}", "network_data/links/0/vlan_link");
    }

    @ParameterizedTest(name = "Debian {0}")
    @ValueSource(strings = {"12", "13"})
    void refusesWhatCloudInitCannotConvert(String debian) throws Exception {
        NovaOracle.assumeDebian(debian);
        ArrayNode batch = JsonNodeFactory.instance.arrayNode();
        for (String nd : REFUSED.keySet()) {
            batch.addObject().<ObjectNode>set("nd", JSON.readTree(nd)).set("macs",
                    JsonNodeFactory.instance.objectNode().put(M1, "eth0"));
        }
        JsonNode cloudInit = CloudInitPython.run(debian, CONVERT, batch);
        int i = 0;
        for (Map.Entry<String, String> c : REFUSED.entrySet()) {
            assertTrue(cloudInit.get(i++).has("error"), "cloud-init converts case " + i + ", so we must too: " + c.getKey());
            ImageException e = assertThrows(ImageException.class, () -> NetworkConfigV1.convert(JSON.readTree(c.getKey())));
            assertEquals(c.getValue(), e.subject(), e.getMessage());
            assertTrue(e.getMessage().contains("cloud-init"), e.getMessage());
        }
    }

    @Test
    void refusesAVlanIdPythonWouldFormatAsADirective() throws Exception {
        ImageException e = assertThrows(ImageException.class, () -> NetworkConfigV1.convert(JSON.readTree(
                "{\"links\": [{\"id\": \"a\", \"type\": \"phy\", \"ethernet_mac_address\": \"" + M1 + "\"},"
                        + " {\"id\": \"v\", \"type\": \"vlan\", \"vlan_link\": \"a\", \"vlan_id\": \"5%s\","
                        + " \"vlan_mac_address\": \"" + M1 + "\"}]}")));
        assertEquals("network_data/links/1/vlan_id", e.subject());
    }
}
