package io.guestdata.core.metadata;

import static io.guestdata.core.metadata.MetadataTreeLookupTest.ADDRESS;
import static io.guestdata.core.metadata.MetadataTreeLookupTest.assertNotFound;
import static io.guestdata.core.metadata.MetadataTreeLookupTest.lines;
import static io.guestdata.core.metadata.MetadataTreeLookupTest.text;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * What the Nova release setting changes in a tree (docs/nova-releases.md rows 1, 2, 4, 5), each release against
 * the other; the trees' bytes against each release's own code are the oracle tests' (NovaConfigDriveComparisonTest,
 * MetadataServiceNovaOracleTest).
 */
class NovaReleaseTreeTest {
    /** OVN's native DHCP: a DHCP network on a link with an mtu, with the port's fixed IP and its subnet. */
    static final String OVN_DHCP_NETWORK = """
            {"links": [{"id": "tap0", "vif_id": "port-2", "type": "ovs", "mtu": 1442, "ethernet_mac_address": "fa:16:3e:00:00:02"}],
             "networks": [{"id": "network0", "type": "ipv4_dhcp", "link": "tap0", "ip_address": "10.0.0.7",
                           "netmask": "255.255.255.0", "network_id": "net-2"}],
             "services": [{"type": "dns", "address": "10.0.0.2"}]}""";

    private static MetadataTree tree(Instance instance, NovaRelease release) {
        return MetadataTree.build(instance, MetadataOptions.defaults().withNovaRelease(release), Ec2Ids.derive(instance),
                new SplittableRandom(1));
    }

    private static Map<String, String> drive(MetadataTree tree) {
        Map<String, String> files = new LinkedHashMap<>();
        tree.configDriveFiles().forEach(f -> files.put(f.path(), MetadataTreeNovaOracleTest.maskSeed(
                new String(f.contents(), StandardCharsets.UTF_8))));
        return files;
    }

    @Test
    void theDefaultIsNova31() {
        assertEquals(NovaRelease.NOVA_31, MetadataOptions.defaults().novaRelease());
    }

    @Test
    void nova31ListsAndServes20250404AsLatest() {
        MetadataTree tree = tree(TestInstances.example().build(), NovaRelease.NOVA_31);
        assertEquals(lines("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
                "2017-02-22", "2018-08-27", "2020-10-14", "2025-04-04", "latest"), text(tree, "/openstack"));
        for (String file : List.of("meta_data.json", "user_data", "vendor_data.json", "network_data.json",
                "vendor_data2.json", "version")) {
            assertEquals(MetadataTreeNovaOracleTest.maskSeed(text(tree, "/openstack/latest/" + file)),
                    MetadataTreeNovaOracleTest.maskSeed(text(tree, "/openstack/2025-04-04/" + file)), file);
        }
        assertEquals(new LookupResult.PasswordEndpoint("2025-04-04"), tree.lookup("/openstack/latest/password", ADDRESS));
    }

    @Test
    void nova26KnowsNo20250404() {
        MetadataTree tree = tree(TestInstances.example().build(), NovaRelease.NOVA_26);
        assertTrue(text(tree, "/openstack").endsWith("2020-10-14\nlatest"));
        assertNotFound(tree, "/openstack/2025-04-04");
        assertNotFound(tree, "/openstack/2025-04-04/meta_data.json");
        assertNotFound(tree, "/openstack/2025-04-04/network_data.json");
        assertEquals(new LookupResult.PasswordEndpoint("2020-10-14"), tree.lookup("/openstack/latest/password", ADDRESS));
        assertTrue(drive(tree).keySet().stream().noneMatch(p -> p.contains("2025-04-04")));
    }

    @Test
    void theDriveOfNova31IsNova26sAndA20250404FolderEqualToLatest() {
        Instance instance = TestInstances.example().file("/etc/foo.conf", "foo\n").build();
        Map<String, String> nova26 = drive(tree(instance, NovaRelease.NOVA_26));
        Map<String, String> nova31 = drive(tree(instance, NovaRelease.NOVA_31));
        Map<String, String> added = new LinkedHashMap<>(nova31);
        added.keySet().removeAll(nova26.keySet());
        assertEquals(List.of("openstack/2025-04-04/meta_data.json", "openstack/2025-04-04/user_data",
                "openstack/2025-04-04/vendor_data.json", "openstack/2025-04-04/network_data.json",
                "openstack/2025-04-04/vendor_data2.json"), List.copyOf(added.keySet()));
        added.forEach((path, body) -> assertEquals(nova31.get(path.replace("2025-04-04", "latest")), body, path));
        Map<String, String> rest = new LinkedHashMap<>(nova31);
        rest.keySet().removeAll(added.keySet());
        assertEquals(nova26, rest);
        // the new folder sits before latest, as Nova 31 writes it
        List<String> paths = List.copyOf(nova31.keySet());
        assertEquals(paths.indexOf("openstack/latest/meta_data.json") - 5,
                paths.indexOf("openstack/2025-04-04/meta_data.json"));
    }

    @Test
    void nova31Hides20250404BeforeItsDate() {
        Instance instance = TestInstances.example().build();
        MetadataOptions options = MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_31);
        MetadataTree before = new MetadataTree(instance, options, Ec2Ids.derive(instance), new SplittableRandom(1),
                Clock.fixed(Instant.parse("2025-04-03T23:59:59Z"), ZoneOffset.UTC));
        assertTrue(text(before, "/openstack").endsWith("2020-10-14\nlatest"));
        assertTrue(text(before, "/openstack/2025-04-04/meta_data.json").contains("\"dedicated_cpus\": []"));
        MetadataTree on = new MetadataTree(instance, options, Ec2Ids.derive(instance), new SplittableRandom(1),
                Clock.fixed(Instant.parse("2025-04-04T00:00:00Z"), ZoneOffset.UTC));
        assertTrue(text(on, "/openstack").endsWith("2020-10-14\n2025-04-04\nlatest"));
    }

    @Test
    void ovnDhcpKeepsTheMtuInNova31AndNullsItInNova26() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK).build();
        String printed = "{\"links\": [{\"id\": \"tap0\", \"vif_id\": \"port-2\", \"type\": \"ovs\", \"mtu\": %s, "
                + "\"ethernet_mac_address\": \"fa:16:3e:00:00:02\"}], \"networks\": [{\"id\": \"network0\", "
                + "\"type\": \"ipv4_dhcp\", \"link\": \"tap0\", \"network_id\": \"net-2\"}], "
                + "\"services\": [{\"type\": \"dns\", \"address\": \"10.0.0.2\"}]}";
        assertEquals(String.format(printed, "1442"),
                text(tree(instance, NovaRelease.NOVA_31), "/openstack/latest/network_data.json"));
        assertEquals(String.format(printed, "null"),
                text(tree(instance, NovaRelease.NOVA_26), "/openstack/latest/network_data.json"));
    }

    @Test
    void aDhcpAgentsPortPrintsAlikeInBothReleases() {
        Instance instance = TestInstances.builder().networkData(TestInstances.DHCP_NETWORK).build();
        MetadataTree nova26 = tree(instance, NovaRelease.NOVA_26);
        MetadataTree nova31 = tree(instance, NovaRelease.NOVA_31);
        assertEquals(PythonJson.dumps(TestInstances.json(TestInstances.DHCP_NETWORK)),
                text(nova31, "/openstack/latest/network_data.json"));
        assertEquals(text(nova26, "/openstack/latest/network_data.json"),
                text(nova31, "/openstack/latest/network_data.json"));
        assertEquals(Optional.empty(), nova31.networkConfigText());
    }

    @Test
    void ovnDhcpIsAStaticAddressInNova31sTemplateOnly() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK).build();
        assertEquals(Optional.empty(), tree(instance, NovaRelease.NOVA_26).networkConfigText());
        MetadataTree nova31 = tree(instance, NovaRelease.NOVA_31);
        // the subnet's DNS server is the top-level one no network lists (Nova prints a DHCP subnet's only there)
        assertEquals(Optional.of(InterfacesTemplate.HEADER + """

                auto eth0
                iface eth0 inet static
                    hwaddress ether fa:16:3e:00:00:02
                    address 10.0.0.7
                    netmask 255.255.255.0
                    broadcast 10.0.0.255
                    dns-nameservers 10.0.0.2
                """), nova31.networkConfigText());
        assertTrue(text(nova31, "/openstack/latest/meta_data.json")
                .contains("\"network_config\": {\"name\": \"network_config\", \"content_path\": \"/content/0000\"}"));
    }

    @Test
    void aDhcpAgentsPortKeepsItsLinkOutOfNova31sTemplateEvenWithTheFixedIp() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK.replace("\"mtu\": 1442", "\"mtu\": null")
                .replace("\"network_id\": \"net-2\"}", "\"network_id\": \"net-2\", \"services\": [{\"type\": \"dns\", "
                        + "\"address\": \"10.0.0.3\"}]}")).build();
        MetadataTree nova31 = tree(instance, NovaRelease.NOVA_31);
        assertEquals(Optional.empty(), nova31.networkConfigText());
        String printed = text(nova31, "/openstack/latest/network_data.json");
        assertTrue(printed.contains("\"mtu\": null"), printed);
        assertTrue(printed.contains("{\"id\": \"network0\", \"type\": \"ipv4_dhcp\", \"link\": \"tap0\", "
                + "\"network_id\": \"net-2\"}"), "the DHCP form, without the subnet's facts: " + printed);
        assertEquals(printed, text(tree(instance, NovaRelease.NOVA_26), "/openstack/latest/network_data.json"));
    }

    @Test
    void anOvnDhcpNetworksOwnDnsServersComeFirst() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK.replace("\"network_id\": \"net-2\"}",
                "\"network_id\": \"net-2\", \"services\": [{\"type\": \"dns\", \"address\": \"10.0.0.3\"}]}")).build();
        String template = tree(instance, NovaRelease.NOVA_31).networkConfigText().orElseThrow();
        assertTrue(template.contains("    dns-nameservers 10.0.0.3\n"), template);
    }

    @Test
    void ovnDhcpWithoutTheFixedIpIsLeftOutOfTheTemplate() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK.replace(
                "\"ip_address\": \"10.0.0.7\",", "")).build();
        assertEquals(Optional.empty(), tree(instance, NovaRelease.NOVA_31).networkConfigText());
    }

    @Test
    void theFixedIpOfADhcpNetworkIsLocalIpv4() {
        Instance instance = TestInstances.builder().networkData(OVN_DHCP_NETWORK).build();
        for (NovaRelease release : NovaRelease.values()) {
            MetadataTree tree = tree(instance, release);
            assertEquals("10.0.0.7", text(tree, "/latest/meta-data/local-ipv4", "10.9.9.9"), release.number());
            assertTrue(drive(tree).get("ec2/latest/meta-data.json").contains("\"local-ipv4\": \"10.0.0.7\""));
        }
    }

    @Test
    void releaseNamesParse() {
        assertEquals(NovaRelease.NOVA_26, NovaRelease.parse("26"));
        assertEquals(NovaRelease.NOVA_31, NovaRelease.parse(" 31 "));
        assertEquals("26.2.2", NovaRelease.NOVA_26.version());
        assertEquals("31.0.0", NovaRelease.NOVA_31.version());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NovaRelease.parse("30"));
        assertEquals("must be one of 26|31 (the Nova release guests see), got '30'", e.getMessage());
    }
}
