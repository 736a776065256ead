package io.guestdata.inject;

import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.ToolTest;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Test;

import io.guestdata.core.Instance;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The exact native files for {@code inject.json}'s network, and what their own parsers read in them. */
@ToolTest
class NativeNetworkConfigTest {

    private final Instance instance = Instances.full();
    private final List<StaticInterface> interfaces = StaticInterface.of(instance.networkData().orElseThrow());

    static final String COMMENT = "# Injected by guestdata on instance boot: the interfaces of /etc/network/interfaces,"
            + " matched by MAC address\n";

    @Test
    void interfacesAreTheTemplatesOnes() {
        assertEquals(2, interfaces.size());
        StaticInterface eth0 = interfaces.get(0);
        assertEquals("eth0", eth0.name());
        assertEquals("10.0.0.5/24", eth0.ipv4().orElseThrow().cidr());
        assertEquals("fd00::5/64", eth0.ipv6().orElseThrow().cidr());
        assertEquals("eth1", interfaces.get(1).name());
        assertEquals("fa:16:3e:00:00:02", interfaces.get(1).mac().orElseThrow());
        assertEquals(24, StaticInterface.prefix("255.255.255.0", 32));
        assertEquals(64, StaticInterface.prefix("ffff:ffff:ffff:ffff::", 128));
        assertEquals(20, StaticInterface.prefix("20", 32));
        assertEquals(32, StaticInterface.prefix(null, 32));
    }

    @Test
    void netplan() {
        String expected = COMMENT + """
                network:
                  version: 2
                  ethernets:
                    eth0:
                      match:
                        macaddress: "fa:16:3e:00:00:01"
                      dhcp4: false
                      dhcp6: false
                      addresses:
                        - "10.0.0.5/24"
                        - "fd00::5/64"
                      routes:
                        - to: "0.0.0.0/0"
                          via: "10.0.0.1"
                        - to: "192.168.0.0/16"
                          via: "10.0.0.254"
                        - to: "::/0"
                          via: "fd00::1"
                      nameservers:
                        addresses:
                          - "10.0.0.2"
                          - "fd00::53"
                      mtu: 1450
                    eth1:
                      match:
                        macaddress: "fa:16:3e:00:00:02"
                      dhcp4: false
                      dhcp6: false
                      addresses:
                        - "192.168.7.9/24"
                """;
        String yaml = NativeNetworkConfig.netplan(interfaces);
        assertEquals(expected, yaml);
        // PyYAML reads it as the structure netplan expects.
        io.guestdata.testkit.Command.Result r = GuestImages.runOk(List.of(DebianPython.PATH, "-c",
                "import sys, yaml, json; print(json.dumps(yaml.safe_load(sys.stdin), sort_keys=True))"), yaml);
        assertEquals("{\"network\": {\"ethernets\": {\"eth0\": {\"addresses\": [\"10.0.0.5/24\", \"fd00::5/64\"],"
                + " \"dhcp4\": false, \"dhcp6\": false, \"match\": {\"macaddress\": \"fa:16:3e:00:00:01\"}, \"mtu\": 1450,"
                + " \"nameservers\": {\"addresses\": [\"10.0.0.2\", \"fd00::53\"]}, \"routes\": [{\"to\": \"0.0.0.0/0\","
                + " \"via\": \"10.0.0.1\"}, {\"to\": \"192.168.0.0/16\", \"via\": \"10.0.0.254\"}, {\"to\": \"::/0\","
                + " \"via\": \"fd00::1\"}]}, \"eth1\": {\"addresses\": [\"192.168.7.9/24\"], \"dhcp4\": false,"
                + " \"dhcp6\": false, \"match\": {\"macaddress\": \"fa:16:3e:00:00:02\"}}}, \"version\": 2}}",
                r.stdout().strip());
    }

    @Test
    void networkManagerKeyfiles() {
        UUID uuid0 = NativeNetworkConfig.connectionUuid(instance.uuid(), interfaces.get(0));
        assertEquals(3, uuid0.version());
        assertEquals(uuid0, UUID.nameUUIDFromBytes(("guestdata " + instance.uuid() + " tap1a2b3c4d-5e").getBytes(
                java.nio.charset.StandardCharsets.UTF_8)));
        assertEquals(COMMENT + """
                [connection]
                id=guestdata-eth0
                uuid=%s
                type=ethernet
                autoconnect=true

                [ethernet]
                mac-address=fa:16:3e:00:00:01
                mtu=1450

                [ipv4]
                method=manual
                address1=10.0.0.5/24
                gateway=10.0.0.1
                dns=10.0.0.2;
                route1=192.168.0.0/16,10.0.0.254

                [ipv6]
                method=manual
                address1=fd00::5/64
                gateway=fd00::1
                dns=fd00::53;
                """.formatted(uuid0), NativeNetworkConfig.keyfile(interfaces.get(0), instance.uuid()));
        assertEquals(COMMENT + """
                [connection]
                id=guestdata-eth1
                uuid=%s
                type=ethernet
                autoconnect=true

                [ethernet]
                mac-address=fa:16:3e:00:00:02

                [ipv4]
                method=manual
                address1=192.168.7.9/24

                [ipv6]
                method=ignore
                """.formatted(NativeNetworkConfig.connectionUuid(instance.uuid(), interfaces.get(1))),
                NativeNetworkConfig.keyfile(interfaces.get(1), instance.uuid()));
    }

    @Test
    void systemdNetworkdUnits() {
        assertEquals(COMMENT + """
                [Match]
                MACAddress=fa:16:3e:00:00:01

                [Link]
                MTUBytes=1450

                [Network]
                DHCP=no
                Address=10.0.0.5/24
                Gateway=10.0.0.1
                Address=fd00::5/64
                Gateway=fd00::1
                DNS=10.0.0.2
                DNS=fd00::53

                [Route]
                Destination=192.168.0.0/16
                Gateway=10.0.0.254
                """, NativeNetworkConfig.networkd(interfaces.get(0)));
        assertEquals(COMMENT + """
                [Match]
                MACAddress=fa:16:3e:00:00:02

                [Network]
                DHCP=no
                Address=192.168.7.9/24
                """, NativeNetworkConfig.networkd(interfaces.get(1)));
    }
}
