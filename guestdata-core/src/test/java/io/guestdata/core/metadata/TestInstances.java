package io.guestdata.core.metadata;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.BlockDevices;
import io.guestdata.core.InjectedFile;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.core.UserData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** {@link Instance} values for tests, built directly (the document parser is someone else's). */
final class TestInstances {
    static final ObjectMapper MAPPER = new ObjectMapper();
    static final String UUID_TEXT = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";
    static final String KEY = "ssh-rsa AAAAB3Nza user@host";

    /** The static v4 + v6 example of nova-compat.md §5.1/§5.2 (what Nova produces for it, verified). */
    static final String STATIC_NETWORK = """
            {"links": [{"id": "tapabc", "vif_id": "port-1", "type": "ovs", "mtu": null, "ethernet_mac_address": "fa:16:3e:00:00:01"}],
             "networks": [{"id": "network0", "type": "ipv4", "link": "tapabc", "ip_address": "10.0.0.5", "netmask": "255.255.255.0",
                           "routes": [{"network": "0.0.0.0", "netmask": "0.0.0.0", "gateway": "10.0.0.1"},
                                      {"network": "192.168.0.0", "netmask": "255.255.0.0", "gateway": "10.0.0.254"}],
                           "network_id": "net-1", "services": [{"type": "dns", "address": "8.8.8.8"}]},
                          {"id": "network1", "type": "ipv6", "link": "tapabc", "ip_address": "fd00::5", "netmask": "ffff:ffff:ffff:ffff::",
                           "routes": [{"network": "::", "netmask": "::", "gateway": "fd00::1"}], "network_id": "net-1",
                           "services": [{"type": "dns", "address": "fd00::53"}]}],
             "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "dns", "address": "fd00::53"}]}""";

    /** The DHCP v4 + SLAAC v6 example of nova-compat.md §5.1 (verified). */
    static final String DHCP_NETWORK = """
            {"links": [{"id": "interface0", "vif_id": "port-uuid-1", "type": "phy", "mtu": null, "ethernet_mac_address": "fa:16:3e:00:00:01"}],
             "networks": [{"id": "network0", "type": "ipv4_dhcp", "link": "interface0", "network_id": "net-uuid-1"},
                          {"id": "network1", "type": "ipv6_slaac", "link": "interface0", "ip_address": "fd00::5", "netmask": "ffff:ffff:ffff:ffff::",
                           "routes": [{"network": "::", "netmask": "::", "gateway": "fd00::1"}], "network_id": "net-uuid-1",
                           "services": [{"type": "dns", "address": "fd00::53"}]}],
             "services": [{"type": "dns", "address": "8.8.8.8"}, {"type": "dns", "address": "fd00::53"}]}""";

    private TestInstances() {
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Builder builder() {
        return new Builder();
    }

    /** The instance of the spec's examples: key, metadata, user data, static network. */
    static Builder example() {
        return builder()
                .key("mykey", KEY)
                .metadata("role", "web")
                .userData("#cloud-config\n")
                .networkData(STATIC_NETWORK);
    }

    static final class Builder {
        UUID uuid = UUID.fromString(UUID_TEXT);
        String name = "Test Host";
        String hostname = "test-host";
        Optional<String> projectId = Optional.of("proj");
        String availabilityZone = "nova";
        int launchIndex = 0;
        String reservationId = "r-abcdefgh";
        Optional<String> instanceType = Optional.of("m1.small");
        Optional<String> imageId = Optional.of("ami-12345678");
        Optional<String> kernelId = Optional.empty();
        Optional<String> ramdiskId = Optional.empty();
        Optional<String> keyName = Optional.empty();
        List<KeyPair> keys = new ArrayList<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        List<InjectedFile> files = new ArrayList<>();
        Optional<UserData> userData = Optional.empty();
        Optional<String> adminPass = Optional.empty();
        Optional<ObjectNode> networkData = Optional.empty();
        Optional<ObjectNode> vendorData = Optional.empty();
        List<String> securityGroups = new ArrayList<>(List.of("default"));
        BlockDevices blockDevices = BlockDevices.rootOnly(BlockDevices.VIRTIO_ROOT);

        Builder uuid(String text) {
            uuid = UUID.fromString(text);
            return this;
        }

        Builder name(String n) {
            name = n;
            return this;
        }

        Builder hostname(String h) {
            hostname = h;
            return this;
        }

        Builder projectId(String p) {
            projectId = Optional.ofNullable(p);
            return this;
        }

        Builder availabilityZone(String az) {
            availabilityZone = az;
            return this;
        }

        Builder launchIndex(int i) {
            launchIndex = i;
            return this;
        }

        Builder instanceType(String t) {
            instanceType = Optional.ofNullable(t);
            return this;
        }

        Builder imageId(String id) {
            imageId = Optional.ofNullable(id);
            return this;
        }

        Builder kernelId(String id) {
            kernelId = Optional.ofNullable(id);
            return this;
        }

        Builder ramdiskId(String id) {
            ramdiskId = Optional.ofNullable(id);
            return this;
        }

        Builder key(String name, String publicKey) {
            if (keys.isEmpty()) {
                keyName = Optional.of(name);
            }
            keys.add(new KeyPair(name, "ssh", publicKey, "00:11"));
            return this;
        }

        Builder metadata(String k, String v) {
            metadata.put(k, v);
            return this;
        }

        Builder file(String path, String contents) {
            files.add(new InjectedFile(path, contents.getBytes(StandardCharsets.UTF_8)));
            return this;
        }

        Builder userData(String text) {
            return userData(text.getBytes(StandardCharsets.UTF_8));
        }

        Builder userData(byte[] bytes) {
            userData = Optional.of(new UserData(Base64.getEncoder().encodeToString(bytes), bytes));
            return this;
        }

        Builder noUserData() {
            userData = Optional.empty();
            return this;
        }

        Builder adminPass(String p) {
            adminPass = Optional.ofNullable(p);
            return this;
        }

        Builder networkData(String jsonText) {
            networkData = Optional.ofNullable(jsonText).map(TestInstances::json);
            return this;
        }

        Builder networkData(ObjectNode node) {
            networkData = Optional.ofNullable(node);
            return this;
        }

        Builder vendorData(String jsonText) {
            vendorData = Optional.ofNullable(jsonText).map(TestInstances::json);
            return this;
        }

        Builder securityGroups(String... groups) {
            securityGroups = new ArrayList<>(List.of(groups));
            return this;
        }

        Builder blockDevices(BlockDevices devices) {
            blockDevices = devices;
            return this;
        }

        Instance build() {
            return new Instance(uuid, name, hostname, projectId, availabilityZone, launchIndex, reservationId,
                    instanceType, imageId, kernelId, ramdiskId, keyName, keys, metadata, files, userData, adminPass,
                    networkData, vendorData, securityGroups, blockDevices, true);
        }
    }
}
