package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.BlockDevices;
import io.guestdata.core.InjectedFile;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The tree against Nova 26 itself: {@code nova_oracle.py metadata-lines} (tools/nova-oracle) runs Nova's {@code InstanceMetadata}, its
 * {@code MetadataRequestHandler} and {@code metadata_for_config_drive} with in-process fakes, for the same
 * instance. Nova generates {@code network_data.json} and the interfaces template from a Neutron-style
 * network_info; we are given Nova's {@code network_data.json} and must derive the same template from it.
 *
 * <p>Where we deliberately differ, the comparison says so explicitly (see {@link #compare}).
 */
@ToolTest
class MetadataTreeNovaOracleTest {
    private static final String ADDRESS = "10.9.8.7";

    private record Case(String name, Instance instance, String vifs, String dhcpDomain, String vendorData,
                        BinaryOperator<String> knownDifference) {
    }

    private static final List<Case> CASES = new ArrayList<>();
    private static final List<JsonNode> ANSWERS = new ArrayList<>();

    @BeforeAll
    static void runNova() throws Exception {
        Python.assumeAvailable();
        String v4v6 = """
                [{"id": "port-1", "address": "fa:16:3e:00:00:01", "network_id": "net-1", "type": "ovs", "devname": "tapabc",
                  "subnets": [{"cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "dns": ["8.8.8.8", "8.8.4.4"], "ips": ["10.0.0.5"],
                               "routes": [{"cidr": "192.168.0.0/16", "gateway": "10.0.0.254"}]},
                              {"cidr": "fd00::/64", "gateway": "fd00::1", "dns": ["fd00::53"], "ips": ["fd00::5"]}]}]""";
        CASES.add(new Case("static v4+v6, key, file, admin pass, user data",
                TestInstances.example().file("/etc/foo.conf", "hello\n").adminPass("secret")
                        .securityGroups("default", "web").build(),
                v4v6, "novalocal", null, (path, nova) -> nova));

        String dhcpThenStatic = """
                [{"id": "port-1", "address": "fa:16:3e:00:00:01", "network_id": "net-1", "type": "unbound",
                  "subnets": [{"cidr": "10.0.0.0/24", "gateway": "10.0.0.1", "dns": ["8.8.8.8"], "ips": ["10.0.0.5"], "dhcp_server": "10.0.0.2"},
                              {"cidr": "fd00::/64", "gateway": "fd00::1", "dns": ["fd00::53"], "ips": ["fd00::5"], "ipv6_address_mode": "slaac"}]},
                 {"id": "port-2", "address": "fa:16:3e:00:00:02", "network_id": "net-2", "type": "ovs", "devname": "tapdef", "mtu": 1450,
                  "subnets": [{"cidr": "172.16.4.0/22", "dns": [], "ips": ["172.16.5.9"]}]},
                 {"id": "port-3", "address": "fa:16:3e:00:00:03", "network_id": "net-3", "type": "bridge", "devname": "tapghi",
                  "subnets": [{"cidr": "2001:db8:1::/48", "gateway": "2001:db8:1::1", "dns": ["2001:db8::53", "2001:db8::54"], "ips": ["2001:db8:1::9"]}]},
                 {"id": "port-4", "address": "fa:16:3e:00:00:04", "network_id": "net-4", "type": "ovs",
                  "subnets": [{"cidr": "192.0.2.8/31", "gateway": "192.0.2.9", "ips": ["192.0.2.8"]}]}]""";
        CASES.add(new Case("dhcp link counted but skipped, v4 without gateway, v6 only, /31, two files, no key",
                TestInstances.builder().name("Café Übung 日本 \uD83D\uDE00").hostname("cafe-ubung").launchIndex(2)
                        .metadata("essential", "fal\"se\\").metadata("ünï", "cödé\n\t\u2028")
                        .file("/root/a", "A").file("/root/b", "\u00ff\u0000bytes")
                        .userData(new byte[] {(byte) 0xff, 0, 1, 2, '\n'})
                        .instanceType("m1.tiny").imageId("some-glance-uuid").kernelId("aki-0000abcd").ramdiskId("ramdisk-ref")
                        .securityGroups().availabilityZone("az-1")
                        .blockDevices(new BlockDevices(Optional.of("/dev/vda"), List.of("/dev/vdb", "/dev/vdc"),
                                Optional.of("/dev/vdd"), List.of("/dev/vdf", "/dev/vde"))).build(),
                dhcpThenStatic, "", "{\"k\": [1, 2.5, 1e+20, 1e-05, null, true, \"\\u00e9/\"], \"z\": {}}",
                // Nova takes local-ipv4 from network_info, which has the DHCP address (10.0.0.5) that
                // network_data.json lacks; we only know static addresses, so we answer the first static one.
                (path, nova) -> path.matches(".*/local-ipv4/?") && nova.equals("10.0.0.5") ? "172.16.5.9"
                        : nova.replace("\"local-ipv4\": \"10.0.0.5\"", "\"local-ipv4\": \"172.16.5.9\"")));

        CASES.add(new Case("bare: no network, no user data, no metadata, no project, no root device name",
                TestInstances.builder().projectId(null).imageId(null).instanceType("m1.small")
                        .blockDevices(BlockDevices.noRoot()).build(),
                "[]", "example.org", "{}",
                // No fixed IP at all: Nova writes null (no requester on a drive), and so do we.
                (path, nova) -> nova));
        CASES.add(new Case("root and ephemeral disk", TestInstances.builder().blockDevices(new BlockDevices(
                Optional.of("/dev/vda"), List.of("/dev/vdb"), Optional.empty(), List.of())).build(),
                "[]", "novalocal", null, (path, nova) -> nova));
        CASES.add(new Case("root and swap disk", TestInstances.builder().blockDevices(new BlockDevices(
                Optional.of("/dev/vda"), List.of(), Optional.of("/dev/vdb"), List.of())).build(),
                "[]", "novalocal", null, (path, nova) -> nova));
        CASES.add(new Case("boot from volume on scsi: the root volume is ebs0", TestInstances.builder().imageId(null)
                .blockDevices(new BlockDevices(Optional.of("/dev/sda"), List.of(), Optional.empty(),
                        List.of("/dev/sdb", "/dev/sda"))).build(),
                "[]", "novalocal", null, (path, nova) -> nova));

        List<String> requests = new ArrayList<>();
        for (Case c : CASES) {
            requests.add(request(c).toString());
        }
        List<String> lines = Python.novaOracle(requests);
        assertEquals(CASES.size(), lines.size(), "one answer per case");
        for (String line : lines) {
            ANSWERS.add(TestInstances.MAPPER.readTree(line));
        }
    }

    @Test
    void everyPathAnswersAsNovaDoes() {
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            JsonNode nova = ANSWERS.get(i);
            MetadataTree tree = tree(c, nova);
            int novaServerErrors = 0;
            for (Map.Entry<String, JsonNode> e : nova.get("lookups").properties()) {
                String path = e.getKey();
                JsonNode answer = e.getValue();
                LookupResult ours = tree.lookup(path, ADDRESS);
                String where = c.name + ": " + path;
                int status = answer.get("status").asInt();
                if (status == 500) {
                    // Nova raises a TypeError (a path below a leaf, into a list, or ".../content"): we say 404.
                    novaServerErrors++;
                    assertInstanceOf(LookupResult.NotFound.class, ours, where);
                } else if (status == 404) {
                    assertInstanceOf(LookupResult.NotFound.class, ours, where);
                } else if ("text/html; charset=UTF-8".equals(answer.get("content_type").asText())) {
                    assertInstanceOf(LookupResult.PasswordEndpoint.class, ours, where);
                } else {
                    assertEquals(200, status, where);
                    LookupResult.Found found = assertInstanceOf(LookupResult.Found.class, ours, where);
                    assertEquals(answer.get("content_type").asText(), found.contentType(), where);
                    String novaBody = new String(Base64.getDecoder().decode(answer.get("body").asText()), StandardCharsets.ISO_8859_1);
                    assertEquals(maskSeed(c.knownDifference.apply(path, novaBody)),
                            maskSeed(new String(found.body(), StandardCharsets.ISO_8859_1)), where);
                }
            }
            assertTrue(novaServerErrors > 0, "the probe paths include Nova's 500 cases");
        }
    }

    @Test
    void novaWasGivenTheDisks() {
        // Guards against a comparison that passes because neither side has devices.
        Map<String, String> listings = new LinkedHashMap<>();
        for (int i = 0; i < CASES.size(); i++) {
            JsonNode answer = ANSWERS.get(i).get("lookups").get("/latest/meta-data/block-device-mapping/");
            listings.put(CASES.get(i).name, new String(Base64.getDecoder().decode(answer.get("body").asText()),
                    StandardCharsets.UTF_8).replace('\n', ' '));
        }
        assertEquals(List.of("ami root", "ami ebs0 ebs1 ephemeral0 ephemeral1 root swap", "ami ephemeral0 root swap",
                "ami ephemeral0 root", "ami root swap", "ami ebs0 ebs1 root"), List.copyOf(listings.values()));
    }

    @Test
    void configDriveMatchesNova() {
        for (int i = 0; i < CASES.size(); i++) {
            Case c = CASES.get(i);
            JsonNode nova = ANSWERS.get(i);
            List<String> expected = new ArrayList<>();
            for (JsonNode file : nova.get("config_drive")) {
                String body = new String(Base64.getDecoder().decode(file.get(1).asText()), StandardCharsets.ISO_8859_1);
                body = c.knownDifference.apply(file.get(0).asText(), body);
                expected.add(file.get(0).asText() + "\n" + maskSeed(body));
            }
            List<String> actual = new ArrayList<>();
            for (MetadataFile file : tree(c, nova).configDriveFiles()) {
                actual.add(file.path() + "\n" + maskSeed(new String(file.contents(), StandardCharsets.ISO_8859_1)));
            }
            assertEquals(String.join("\n----\n", expected), String.join("\n----\n", actual), c.name);
        }
    }

    @Test
    void interfacesTemplateFromNetworkDataMatchesNovasFromNetworkInfo() {
        for (int i = 0; i < CASES.size(); i++) {
            JsonNode nova = ANSWERS.get(i);
            Optional<String> expected = nova.get("template").isNull()
                    ? Optional.empty() : Optional.of(nova.get("template").asText());
            assertEquals(expected, tree(CASES.get(i), nova).networkConfigText(), CASES.get(i).name);
        }
        assertTrue(ANSWERS.get(1).get("template").asText().contains("auto eth1\n"), "the DHCP link is counted");
        assertTrue(ANSWERS.get(1).get("template").asText().contains("broadcast None"), "/31 has no broadcast");
    }

    private static MetadataTree tree(Case c, JsonNode nova) {
        JsonNode networkData = nova.get("network_data");
        Instance base = c.instance;
        Instance instance = new Instance(base.uuid(), base.name(), base.hostname(), base.projectId(),
                base.availabilityZone(), base.launchIndex(), base.reservationId(), base.instanceType(), base.imageId(),
                base.kernelId(), base.ramdiskId(), base.keyName(), base.keys(), base.metadata(), base.files(),
                base.userData(), base.adminPass(),
                networkData.isNull() ? Optional.empty() : Optional.of((ObjectNode) networkData),
                base.vendorData(), base.securityGroups(), base.blockDevices(), base.configDrive());
        MetadataOptions options = MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26).novaExact()
                .withDhcpDomain(c.dhcpDomain);
        if (c.vendorData != null) {
            options = options.withStaticVendorData(TestInstances.json(c.vendorData));
        }
        return MetadataTree.build(instance, options, Ec2Ids.derive(instance), new SecureRandom());
    }

    /**
     * A {@code nova_oracle.py metadata-lines} request: the instance as a document (its disks become the block
     * device mappings Nova's libvirt driver leaves, tools/nova-oracle/README.md), our EC2 ids as the mapping
     * tables' rows, Neutron's VIFs, the settings and the paths to ask the handler for.
     */
    private static ObjectNode request(Case c) {
        Instance in = c.instance;
        Ec2Ids ids = Ec2Ids.derive(in);
        ObjectNode request = TestInstances.MAPPER.createObjectNode();
        ObjectNode doc = request.putObject("doc");
        doc.put("uuid", in.uuid().toString());
        doc.put("name", in.name());
        doc.put("hostname", in.hostname());
        in.projectId().ifPresent(id -> doc.put("project_id", id));
        doc.put("availability_zone", in.availabilityZone());
        doc.put("launch_index", in.launchIndex());
        doc.put("reservation_id", in.reservationId());
        doc.put("instance_type", in.instanceType().orElseThrow());
        in.imageId().ifPresent(id -> doc.put("image_id", id));
        in.kernelId().ifPresent(id -> doc.put("kernel_id", id));
        in.ramdiskId().ifPresent(id -> doc.put("ramdisk_id", id));
        if (!in.keys().isEmpty()) {
            KeyPair key = in.keys().getFirst();
            doc.put("key_name", key.name());
            doc.putObject("public_keys").put(key.name(), key.publicKey());
        }
        ObjectNode metadata = doc.putObject("metadata");
        in.metadata().forEach(metadata::put);
        ArrayNode files = doc.putArray("files");
        for (InjectedFile f : in.files()) {
            files.addObject().put("path", f.path()).put("contents", Base64.getEncoder().encodeToString(f.contents()));
        }
        in.userData().ifPresent(ud -> doc.put("user_data", ud.base64()));
        in.adminPass().ifPresent(pass -> doc.put("admin_pass", pass));
        ArrayNode groups = doc.putArray("security_groups");
        in.securityGroups().forEach(groups::add);
        BlockDevices devices = in.blockDevices();
        doc.put("root_device_name", devices.rootDeviceName().orElse(null));
        devices.ephemeral().forEach(doc.putArray("ephemeral_devices")::add);
        devices.swap().ifPresent(device -> doc.put("swap_device", device));
        devices.volumes().forEach(doc.putArray("volume_devices")::add);
        ObjectNode ec2 = request.putObject("ec2_ids");
        ec2.put("instance_id", ids.instanceId());
        ec2.put("ami_id", ids.amiId().orElse(null));
        ec2.put("kernel_id", ids.kernelId().orElse(null));
        ec2.put("ramdisk_id", ids.ramdiskId().orElse(null));
        request.set("vifs", TestInstances.MAPPER.valueToTree(parse(c.vifs)));
        request.put("dhcp_domain", c.dhcpDomain);
        request.set("vendordata", c.vendorData == null ? null : TestInstances.json(c.vendorData));
        request.put("address", ADDRESS);
        ArrayNode paths = request.putArray("paths");
        probePaths().forEach(paths::add);
        return request;
    }

    private static JsonNode parse(String text) {
        try {
            return TestInstances.MAPPER.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Every path of both trees for every version, plus the routing edge cases. */
    static List<String> probePaths() {
        List<String> paths = new ArrayList<>(List.of("/", "//", "///", "/ec2", "/ec2/", "/openstack", "/openstack/",
                "/nonsense", "/nonsense/meta-data", "/..", "/./", "///latest/meta-data", "//latest/meta-data",
                "/latest/meta-data/../user-data", "/latest/./meta-data/./hostname", "/latest//meta-data//",
                "/openstack/../latest/meta-data/instance-id", "/latest/meta-data/hostname/x",
                "/latest/meta-data/hostname/x/y", "/latest/meta-data/security-groups/default",
                "/latest/meta-data/security-groups/web", "/latest/meta-data/security-groups/0",
                "/latest/user-data/x", "/latest/meta-data/ami-launch-index/0", "/latest/meta-data/nonsense",
                "/latest/meta-data/public-keys/0/openssh-key/", "/latest/meta-data/public-keys/0/_name",
                "/latest/meta-data/public-keys/1", "/latest/meta-data/placement/availability-zone/",
                "/openstack/content", "/openstack/content/", "/openstack/content/0000", "/openstack/content/0001",
                "/openstack/content/0002", "/openstack/content/0003", "/openstack/content/0000/x", "/openstack/content/0",
                "/openstack/nonsense", "/openstack/nonsense/meta_data.json", "/openstack/latest/content",
                "/openstack/latest/content/0000", "/openstack/latest/meta_data.json/",
                "/openstack/latest/meta_data.json/x", "/openstack/latest/nonsense", "/openstack/latest/version/",
                "/openstack/2013-04-04/../2012-08-10/password"));
        List<String> ec2Versions = new ArrayList<>();
        for (Ec2Version v : Ec2Version.values()) {
            ec2Versions.add(v.text());
        }
        ec2Versions.add("latest");
        ec2Versions.add("2010-01-01");
        List<String> ec2Keys = List.of("ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping",
                "block-device-mapping/ami", "block-device-mapping/ephemeral0", "block-device-mapping/root",
                "block-device-mapping/swap", "block-device-mapping/ebs0", "block-device-mapping/ebs1",
                "block-device-mapping/ephemeral1", "block-device-mapping/ebs2", "hostname", "instance-action", "instance-id",
                "instance-type", "kernel-id", "local-hostname", "local-ipv4", "placement", "placement/availability-zone",
                "public-hostname", "public-ipv4", "public-keys", "public-keys/0", "public-keys/0/openssh-key",
                "ramdisk-id", "reservation-id", "security-groups");
        for (String v : ec2Versions) {
            for (String prefix : List.of("/", "/ec2/")) {
                paths.add(prefix + v);
                paths.add(prefix + v + "/");
                paths.add(prefix + v + "/meta-data");
                paths.add(prefix + v + "/meta-data/");
                paths.add(prefix + v + "/user-data");
            }
            for (String key : ec2Keys) {
                paths.add("/" + v + "/meta-data/" + key);
                paths.add("/" + v + "/meta-data/" + key + "/");
            }
        }
        List<String> osVersions = new ArrayList<>();
        for (OpenStackVersion v : OpenStackVersion.values()) {
            osVersions.add(v.text());
        }
        osVersions.add("latest");
        osVersions.add("2021-01-01");
        for (String v : osVersions) {
            paths.add("/openstack/" + v);
            paths.add("/openstack/" + v + "/");
            for (String name : List.of("meta_data.json", "user_data", "password", "vendor_data.json",
                    "vendor_data2.json", "network_data.json", "version", "nonsense")) {
                paths.add("/openstack/" + v + "/" + name);
            }
        }
        return paths;
    }

    static String maskSeed(String text) {
        return text.replaceAll("\"random_seed\": \"[A-Za-z0-9+/]{683}=\"", "\"random_seed\": \"<684 base64 chars>\"");
    }
}
