package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.json;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkDataRulesTest {

    /** nova-compat.md §5.1, verified example (DHCP v4 + SLAAC v6). */
    static final String NOVA_EXAMPLE = """
            {"links": [{"id": "interface0", "vif_id": "port-uuid-1", "type": "phy", "mtu": null, "ethernet_mac_address": "fa:16:3e:00:00:01"}],
             "networks": [{"id": "network0", "type": "ipv4_dhcp", "link": "interface0", "network_id": "net-uuid-1"},
                          {"id": "network1", "type": "ipv6_slaac", "link": "interface0", "ip_address": "fd00::5", "netmask": "ffff:ffff:ffff:ffff::",
                           "routes": [{"network": "::", "netmask": "::", "gateway": "fd00::1"}], "network_id": "net-uuid-1",
                           "services": [{"type": "dns", "address": "fd00::53"}]}],
             "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "dns", "address": "fd00::53"}]}
            """;
    /** nova-compat.md §5.1, static v4 entry example. */
    static final String STATIC_V4 = """
            {"links": [{"id": "tapabc", "type": "ovs"}],
             "networks": [{"id": "network0", "type": "ipv4", "link": "tapabc", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
               "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"}, {"network": "192.168.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254"}],
               "network_id": "net-uuid-1", "services": [{"type": "dns", "address": "8.8.8.8"}]}]}
            """;

    private static ObjectNode with(String networkData) {
        ObjectNode doc = minimal();
        doc.set("network_data", json(networkData));
        return doc;
    }

    private static ObjectNode withNetwork(String networkFields) {
        return with("{\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"id\": \"n0\", \"link\": \"l0\", " + networkFields + "}]}");
    }

    @Test
    void novasOwnOutputIsAcceptedAndKeptAsGiven() {
        ObjectNode expected = json(NOVA_EXAMPLE);
        assertEquals(expected.toString(), accept(with(NOVA_EXAMPLE)).networkData().orElseThrow().toString());
        accept(with(STATIC_V4));
        accept(with("{}"));
        accept(with("{\"links\": [], \"networks\": [], \"services\": []}"));
    }

    @Test
    void onlyLinksNetworksAndServices() {
        rejectOnly(with("{\"links\": [], \"routes\": []}"), "/network_data/routes", "network_data.unknown_field");
    }

    @Test
    void membersHaveTheirTypes() {
        rejectOnly(with("{\"links\": {}}"), "/network_data/links", "network_data.links.type");
        rejectOnly(with("{\"networks\": [1]}"), "/network_data/networks/0", "network_data.networks.item.type");
        rejectOnly(with("{\"services\": [\"8.8.8.8\"]}"), "/network_data/services/0", "network_data.services.item.type");
    }

    @Test
    void linksNeedUniqueStringIds() {
        rejectOnly(with("{\"links\": [{\"type\": \"phy\"}]}"), "/network_data/links/0/id", "network_data.links.id.required");
        rejectOnly(with("{\"links\": [{\"id\": 0}]}"), "/network_data/links/0/id", "network_data.links.id.type");
        rejectOnly(with("{\"links\": [{\"id\": \"\"}]}"), "/network_data/links/0/id", "network_data.links.id.length");
        rejectOnly(with("{\"links\": [{\"id\": \"a\"}, {\"id\": \"a\"}]}"), "/network_data/links/1/id",
                "network_data.links.id.duplicate");
    }

    @ParameterizedTest
    @ValueSource(strings = {"fa:16:3e:00:00", "fa:16:3e:00:00:01:02", "fa-16-3e-00-00-01", "fa163e000001", "fa:16:3e:00:00:0g",
            "FA:16:3E:00:00:1"})
    void macAddressesAreSixColonSeparatedHexPairs(String mac) {
        rejectOnly(with("{\"links\": [{\"id\": \"a\", \"ethernet_mac_address\": \"" + mac + "\"}]}"),
                "/network_data/links/0/ethernet_mac_address", "network_data.links.ethernet_mac_address.pattern");
    }

    @Test
    void upperCaseMacIsFine() {
        accept(with("{\"links\": [{\"id\": \"a\", \"ethernet_mac_address\": \"FA:16:3E:00:00:01\"}]}"));
    }

    @Test
    void networksNeedIdTypeAndAnExistingLink() {
        List<DocumentError> errors = reject(with("{\"networks\": [{}]}"));
        assertEquals(List.of("network_data.networks.id.required", "network_data.networks.type.required",
                "network_data.networks.link.required"), errors.stream().map(DocumentError::rule).toList());
        rejectOnly(with("{\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"id\": \"n0\", \"type\": \"ipv4_dhcp\", \"link\": \"l1\"}]}"),
                "/network_data/networks/0/link", "network_data.networks.link.unknown");
        rejectOnly(with("{\"links\": [{\"id\": \"l0\"}], \"networks\": [{\"id\": \"n\", \"type\": \"ipv4_dhcp\", \"link\": \"l0\"},"
                + " {\"id\": \"n\", \"type\": \"ipv4_dhcp\", \"link\": \"l0\"}]}"),
                "/network_data/networks/1/id", "network_data.networks.id.duplicate");
    }

    @Test
    void linksMayBeListedAfterNetworks() {
        accept(with("{\"networks\": [{\"id\": \"n0\", \"type\": \"ipv4_dhcp\", \"link\": \"l0\"}], \"links\": [{\"id\": \"l0\"}]}"));
    }

    @ParameterizedTest
    @CsvSource({"ipv4,10.0.0.5,255.255.255.0", "ipv6,fd00::5,ffff:ffff:ffff:ffff::", "static,10.0.0.5,255.255.255.128",
            "static6,::ffff:10.0.0.5,ffff:ffff:ffff:ffff:ffff:ffff::", "ipv6_dhcpv6-stateful,2001:db8::1,ffff:ffff::",
            "ipv4,0.0.0.0,0.0.0.0", "ipv4,255.255.255.255,255.255.255.255"})
    void addressesAndNetmasksOfTheRightFamily(String type, String address, String netmask) {
        accept(withNetwork("\"type\": \"" + type + "\", \"ip_address\": \"" + address + "\", \"netmask\": \"" + netmask + "\""));
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.256", "10.0.0", "10.0.0.5/24", "010.0.0.5", "host.example", "fd00::5%eth0", "[fd00::5]",
            "fd00:::5", "1:2:3:4:5:6:7:8:9", " 10.0.0.5", "10.0.0.5\n"})
    void addressesMustBeLiterals(String address) {
        rejectOnly(withNetwork("\"type\": \"static\", \"ip_address\": \"" + address.replace("\n", "\\n") + "\""),
                "/network_data/networks/0/ip_address", "network_data.networks.ip_address.format");
    }

    @Test
    void theTypeSaysTheFamily() {
        rejectOnly(withNetwork("\"type\": \"ipv4\", \"ip_address\": \"fd00::5\""), "/network_data/networks/0/ip_address",
                "network_data.networks.ip_address.family");
        rejectOnly(withNetwork("\"type\": \"ipv6_slaac\", \"ip_address\": \"10.0.0.5\""),
                "/network_data/networks/0/ip_address", "network_data.networks.ip_address.family");
    }

    @Test
    void netmasksAreContiguousMasksOfTheAddressFamily() {
        rejectOnly(withNetwork("\"type\": \"ipv4\", \"ip_address\": \"10.0.0.5\", \"netmask\": \"255.0.255.0\""),
                "/network_data/networks/0/netmask", "network_data.networks.netmask.contiguous");
        rejectOnly(withNetwork("\"type\": \"ipv6\", \"ip_address\": \"fd00::5\", \"netmask\": \"ffff::ffff\""),
                "/network_data/networks/0/netmask", "network_data.networks.netmask.contiguous");
        rejectOnly(withNetwork("\"type\": \"static\", \"ip_address\": \"10.0.0.5\", \"netmask\": \"ffff::\""),
                "/network_data/networks/0/netmask", "network_data.networks.netmask.family");
        rejectOnly(withNetwork("\"type\": \"ipv6\", \"netmask\": \"255.255.255.0\""),
                "/network_data/networks/0/netmask", "network_data.networks.netmask.family");
        rejectOnly(withNetwork("\"type\": \"ipv4\", \"netmask\": \"24\""),
                "/network_data/networks/0/netmask", "network_data.networks.netmask.format");
    }

    @Test
    void routesHaveThreeLiteralsOfOneFamily() {
        String base = "\"type\": \"ipv4\", \"routes\": [";
        rejectOnly(withNetwork(base + "{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\"}]"),
                "/network_data/networks/0/routes/0/gateway", "network_data.networks.routes.gateway.required");
        rejectOnly(withNetwork(base + "{\"network\": \"0.0.0.0\", \"netmask\": \"0.0.0.0\", \"gateway\": \"gw\"}]"),
                "/network_data/networks/0/routes/0/gateway", "network_data.networks.routes.gateway.format");
        rejectOnly(withNetwork(base + "{\"network\": \"::\", \"netmask\": \"0.0.0.0\", \"gateway\": \"10.0.0.1\"}]"),
                "/network_data/networks/0/routes/0/gateway", "network_data.networks.routes.family");
        rejectOnly(withNetwork(base + "{\"network\": \"10.0.0.0\", \"netmask\": \"255.0.0.255\", \"gateway\": \"10.0.0.1\"}]"),
                "/network_data/networks/0/routes/0/netmask", "network_data.networks.routes.netmask.contiguous");
        rejectOnly(withNetwork(base + "1]"), "/network_data/networks/0/routes/0", "network_data.networks.routes.item.type");
        rejectOnly(withNetwork("\"type\": \"ipv4\", \"routes\": {}"), "/network_data/networks/0/routes",
                "network_data.networks.routes.type");
    }

    @Test
    void servicesHaveATypeAndAnAddressLiteral() {
        rejectOnly(with("{\"services\": [{\"address\": \"8.8.8.8\"}]}"), "/network_data/services/0/type",
                "network_data.services.type.required");
        rejectOnly(with("{\"services\": [{\"type\": \"dns\", \"address\": \"dns.example\"}]}"),
                "/network_data/services/0/address", "network_data.services.address.format");
        rejectOnly(withNetwork("\"type\": \"ipv4\", \"services\": [{\"type\": \"dns\"}]"),
                "/network_data/networks/0/services/0/address", "network_data.networks.services.address.required");
    }

    @Test
    void otherMembersPassThrough() {
        accept(with("{\"links\": [{\"id\": \"bond0\", \"type\": \"bond\", \"bond_links\": [\"a\", \"b\"], \"bond_mode\": \"802.3ad\","
                + " \"mtu\": 9000, \"name\": \"eth9\"}], \"networks\": [{\"id\": \"n\", \"type\": \"ipv4_dhcp\", \"link\": \"bond0\","
                + " \"dns_nameservers\": [\"1.1.1.1\"], \"whatever\": {\"x\": [1]}}]}"));
    }
}
