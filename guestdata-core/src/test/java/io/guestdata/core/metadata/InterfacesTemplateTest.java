package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.testkit.ToolTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@link InterfacesTemplate} from {@code network_data.json} against Nova's own
 * {@code nova/virt/interfaces.template} rendered by {@code netutils.get_injected_network_template} (Jinja2)
 * from the network_info that produced that {@code network_data.json}.
 */
@ToolTest
class InterfacesTemplateTest {

    /** nova-compat.md §5.2, verbatim (verified). */
    static final String SPEC_EXAMPLE = """
            # Injected by Nova on instance boot
            #
            # This file describes the network interfaces available on your system
            # and how to activate them. For more information, see interfaces(5).

            # The loopback network interface
            auto lo
            iface lo inet loopback

            auto eth0
            iface eth0 inet static
                hwaddress ether fa:16:3e:00:00:01
                address 10.0.0.5
                netmask 255.255.255.0
                broadcast 10.0.0.255
                gateway 10.0.0.1
                dns-nameservers 8.8.8.8
            iface eth0 inet6 static
                hwaddress ether fa:16:3e:00:00:01
                address fd00::5
                netmask 64
                gateway fd00::1
                dns-nameservers fd00::53
            """;

    @Test
    void specExampleVerbatim() {
        assertEquals(Optional.of(SPEC_EXAMPLE),
                InterfacesTemplate.render(TestInstances.json(TestInstances.STATIC_NETWORK), false));
    }

    @Test
    void nothingForDhcpOrEmptyOrMissingNetworkData() {
        assertEquals(Optional.empty(), InterfacesTemplate.render(TestInstances.json(TestInstances.DHCP_NETWORK), false));
        assertEquals(Optional.empty(), InterfacesTemplate.render(TestInstances.json("{}"), false));
        assertEquals(Optional.empty(), InterfacesTemplate.render(null, false));
        assertEquals(Optional.empty(), InterfacesTemplate.render(TestInstances.json(
                "{\"links\": [{\"id\": \"a\"}], \"networks\": [{\"id\": \"n\", \"link\": \"a\", \"type\": \"ipv6_slaac\", \"ip_address\": \"fd00::5\"}]}"), false));
    }

    @Test
    void netmaskGivenAsPrefixLengthIsAccepted() {
        String text = InterfacesTemplate.render(TestInstances.json("""
                {"links": [{"id": "a", "ethernet_mac_address": "fa:16:3e:00:00:09"}],
                 "networks": [{"id": "n0", "link": "a", "type": "ipv4", "ip_address": "10.1.2.3", "netmask": "16"},
                              {"id": "n1", "link": "a", "type": "ipv6", "ip_address": "fd00::3", "netmask": "48"}]}"""), false).orElseThrow();
        assertTrue(text.contains("    netmask 255.255.0.0\n    broadcast 10.1.255.255\n"), text);
        assertTrue(text.contains("    address fd00::3\n    netmask 48\n"), text);
    }

    @Test
    void matchesNovaForNetworkInfoVariants() throws Exception {
        Python.assumeAvailable();
        List<String> variants = List.of(
                // the spec example
                """
                [{"id": "p1", "address": "fa:16:3e:00:00:01", "network_id": "n1", "type": "ovs", "devname": "tapabc",
                  "subnets": [{"cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "dns": ["8.8.8.8"], "ips": ["10.0.0.5"],
                               "routes": [{"cidr": "192.168.0.0/16", "gateway": "10.0.0.254"}]},
                              {"cidr": "fd00::/64", "gateway": "fd00::1", "dns": ["fd00::53"], "ips": ["fd00::5"]}]}]""",
                // v4 only, no gateway, no dns; then v6 only with two dns servers: use_ipv6 for all
                """
                [{"id": "p1", "address": "fa:16:3e:00:00:01", "network_id": "n1",
                  "subnets": [{"cidr": "192.168.7.0/23", "ips": ["192.168.7.200"]}]},
                 {"id": "p2", "address": "fa:16:3e:00:00:02", "network_id": "n2",
                  "subnets": [{"cidr": "2001:db8::/56", "gateway": "2001:db8::1", "dns": ["2001:db8::53", "2001:db8::54"], "ips": ["2001:db8::10"]}]}]""",
                // DHCP first (counted, skipped), address-less port (counted), then static /32 and /30
                """
                [{"id": "p1", "address": "fa:16:3e:00:00:01", "network_id": "n1",
                  "subnets": [{"cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "ips": ["10.0.0.5"], "dhcp_server": "10.0.0.2"}]},
                 {"id": "p2", "address": "fa:16:3e:00:00:02", "network_id": "n2",
                  "subnets": [{"cidr": "10.0.1.0/24", "gateway": "10.0.1.1", "ips": [], "dhcp_server": "10.0.1.2"}]},
                 {"id": "p3", "address": "fa:16:3e:00:00:03", "network_id": "n3",
                  "subnets": [{"cidr": "203.0.113.7/32", "gateway": "203.0.113.1", "ips": ["203.0.113.7"]}]},
                 {"id": "p4", "address": "fa:16:3e:00:00:04", "network_id": "n4",
                  "subnets": [{"cidr": "198.51.100.4/30", "gateway": "198.51.100.5", "dns": ["1.1.1.1", "9.9.9.9"], "ips": ["198.51.100.6"]}]}]""",
                // a VIF without subnets is neither a link nor counted
                """
                [{"id": "p0", "address": "fa:16:3e:00:00:00", "network_id": "n0", "subnets": []},
                 {"id": "p1", "address": "fa:16:3e:00:00:01", "network_id": "n1",
                  "subnets": [{"cidr": "fd00:1::/64", "ips": ["fd00:1::9"]}]}]""",
                // everything DHCP: no template
                """
                [{"id": "p1", "address": "fa:16:3e:00:00:01", "network_id": "n1",
                  "subnets": [{"cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "ips": ["10.0.0.5"], "dhcp_server": "10.0.0.2"}]}]""");
        List<String> requests = new ArrayList<>();
        for (String vifs : variants) {
            requests.add("{\"vifs\": " + vifs.replace('\n', ' ') + "}");
        }
        List<String> answers = Python.novaOracle(requests);
        for (int i = 0; i < variants.size(); i++) {
            JsonNode nova = TestInstances.MAPPER.readTree(answers.get(i));
            JsonNode networkData = nova.get("network_data");
            for (String key : List.of("template", "template_lxc")) {
                Optional<String> expected = nova.get(key).isNull() ? Optional.empty() : Optional.of(nova.get(key).asText());
                assertEquals(expected, InterfacesTemplate.render(networkData, key.endsWith("lxc")), "variant " + i + " " + key);
            }
        }
        assertEquals(SPEC_EXAMPLE, TestInstances.MAPPER.readTree(answers.get(0)).get("template").asText());
    }
}
