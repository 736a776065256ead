package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code configdrive --format nocloud}: cloud-init 22.4's (and Debian 13's 25.1's) NoCloud datasource (as a library, its seed
 * directory pointed at what xorriso or mtools extract from our seed) finds what its ConfigDrive datasource
 * finds on the config drive of the same instance: instance id, host name, keys, user data, vendor data
 * (as the parts its user-data processor makes), the network configuration, dsmode and a 512-byte random
 * seed. Also what blkid, isoinfo, fsck.fat and mtools see of the seed volume.
 */
@ToolTest
class CloudInitReadsNoCloudSeedTest {
    /** What both datasources report and must agree on. */
    private static final List<String> SAME = List.of("instance_id", "local_hostname", "hostname", "availability_zone",
            "public_ssh_keys", "userdata_b64", "vendordata_parts", "network_config", "dsmode", "random_seed_len");

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "instances/full.json, iso9660, ",
        "instances/full.json, vfat, ",
        "instances/dhcp.json, iso9660, ",
        "nova/static.json, vfat, ",
        "nocloud/vendor-list.json, iso9660, ",
        "nocloud/bond-vlan.json, iso9660, '{\"fa:16:3e:00:00:0a\": \"eth0\", \"fa:16:3e:00:00:0b\": \"eth1\"}'",
    })
    void noCloudFindsWhatConfigDriveFinds(String document, String filesystem, String knownMacs) throws Exception {
        Path doc = CloudInitReadsConfigDriveTreeTest.resource(document);
        Path tree = tmp.resolve("tree");
        assertEquals(ExitCode.OK, Cli.run("configdrive", "--instance", doc.toString(), "--format", "tree",
                "--output", tree.toString()).exitCode());
        Path seed = writeSeed(doc, filesystem, "--drop-files");
        Path extracted = extract(seed, filesystem);

        ObjectNode configDrive = Images.configDriveView(tree, knownMacs);
        bondParametersAsVersion1(configDrive.get("network_config"));
        ObjectNode noCloud = Images.noCloudView(extracted);
        for (String key : SAME) {
            assertEquals(configDrive.get(key), noCloud.get(key), key + " differs; NoCloud saw:\n" + noCloud.toPrettyString());
        }
        assertEquals(512, noCloud.get("random_seed_len").asInt());
        assertEquals("bytes", noCloud.get("random_seed_type").asText(), "random_seed is bytes, as ConfigDrive decodes it");
        if (document.equals("instances/full.json")) {
            assertEquals(configDrive.get("vendordata_raw_b64"), noCloud.get("vendordata_raw_b64"),
                    "string vendor data arrives byte for byte");
            assertTrue(noCloud.get("network_config").toString().contains("10.0.0.5"), noCloud.toString());
        }
    }

    /**
     * Debian 13's cloud-init 25.1 reads the same seed as its ConfigDrive datasource reads the drive, but for the
     * network configuration: the seed's version 1 config is ours (22.4's conversion with bond parameters named as
     * 25.1 names them, which 25.1 takes as it is, as 22.4 does), while 25.1's own conversion of network_data.json
     * adds per-subnet DNS servers ({@code NetworkConfigV1Test} pins exactly that).
     */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({
        "instances/full.json, iso9660, ",
        "instances/full.json, vfat, ",
        "instances/dhcp.json, iso9660, ",
        "nocloud/bond-vlan.json, iso9660, '{\"fa:16:3e:00:00:0a\": \"eth0\", \"fa:16:3e:00:00:0b\": \"eth1\"}'",
    })
    void cloudInit25ReadsTheSeedAsTheConfigDriveButForItsOwnNetworkConversion(String document, String filesystem,
                                                                              String knownMacs) throws Exception {
        NovaOracle.assumeDebian("13");
        Path doc = CloudInitReadsConfigDriveTreeTest.resource(document);
        Path tree = tmp.resolve("tree");
        assertEquals(ExitCode.OK, Cli.run("configdrive", "--instance", doc.toString(), "--format", "tree",
                "--output", tree.toString()).exitCode());
        Path extracted = extract(writeSeed(doc, filesystem, "--drop-files"), filesystem);

        ObjectNode configDrive = Images.configDriveView("13", tree, knownMacs);
        ObjectNode noCloud = Images.noCloudView("13", extracted);
        for (String key : SAME) {
            if (!key.equals("network_config")) {
                assertEquals(configDrive.get(key), noCloud.get(key), key + " differs; NoCloud saw:\n" + noCloud.toPrettyString());
            }
        }
        assertEquals(Images.noCloudView("12", extracted).get("network_config"), noCloud.get("network_config"),
                "25.1 takes the seed's network config as 22.4 does");
        JsonNode converted22 = Images.configDriveView("12", tree, knownMacs).get("network_config");
        bondParametersAsVersion1(converted22);
        assertEquals(converted22, noCloud.get("network_config"),
                "which is 22.4's conversion of the drive's network_data.json, bond parameters named as in 25.1's");
    }

    /**
     * Renames, in cloud-init 22.4's conversion of network_data.json, each bond parameter from OpenStack's name
     * ({@code bond_mode}, which 22.4 copies and only its netplan renderer reads) to the version 1 schema's
     * ({@code bond-mode}, which our seed and 25.1's conversion give and every renderer reads); checks that each was
     * OpenStack's.
     */
    static void bondParametersAsVersion1(JsonNode networkConfig) {
        for (JsonNode entry : networkConfig.path("config")) {
            if (entry.has("params")) {
                ObjectNode renamed = ((ObjectNode) entry).objectNode();
                entry.get("params").properties().forEach(p -> {
                    assertTrue(p.getKey().startsWith("bond_"), "22.4's bond parameter " + p.getKey());
                    renamed.set("bond-" + p.getKey().substring("bond_".length()), p.getValue());
                });
                ((ObjectNode) entry).set("params", renamed);
            }
        }
    }

    @Test
    void vendorDataListsArriveAsTheSameParts() throws Exception {
        Path seed = writeSeed(CloudInitReadsConfigDriveTreeTest.resource("nocloud/vendor-list.json"), "iso9660");
        JsonNode parts = Images.noCloudView(extract(seed, "iso9660")).get("vendordata_parts");
        assertEquals(3, parts.size(), parts.toString());
        assertEquals("text/cloud-config", parts.get(0).get(0).asText());
        assertTrue(parts.get(0).get(1).asText().contains("ünïcode 日本"), parts.toString());
        assertEquals("text/x-shellscript", parts.get(1).get(0).asText());
    }

    @Test
    void withoutUserDataOrNetworkDataTheSeedIsWhatCloudLocaldsWrites() throws Exception {
        Path doc = CloudInitReadsConfigDriveTreeTest.resource("instances/minimal.json");
        Path seed = writeSeed(doc, "iso9660");
        Path extracted = extract(seed, "iso9660");
        assertEquals(Set.of("meta-data", "user-data"), Images.files(extracted).keySet());
        assertEquals(0, Files.size(extracted.resolve("user-data")), "NoCloud requires user-data; empty means none");
        ObjectNode noCloud = Images.noCloudView(extracted);
        assertEquals("b65cee2f-8c69-4aeb-be2f-f79742548fc2", noCloud.get("instance_id").asText());
        assertEquals("mini", noCloud.get("hostname").asText());
        assertEquals("", noCloud.get("userdata_b64").asText());
        assertTrue(noCloud.get("network_config").isNull(),
                "no network-config: cloud-init falls back to DHCP on the first NIC (documented difference)");
    }

    @Test
    void seedVolumesAreLabelledCidata() throws Exception {
        Path doc = CloudInitReadsConfigDriveTreeTest.resource("instances/dhcp.json");
        Path iso = writeSeed(doc, "iso9660");
        Map<String, String> isoTags = Images.blkid(iso);
        assertEquals("cidata", isoTags.get("LABEL"), isoTags.toString());
        assertEquals("iso9660", isoTags.get("TYPE"), isoTags.toString());
        String d = Images.ok("isoinfo", "-d", "-i", iso.toString());
        assertTrue(d.contains("Volume id: cidata\n") && d.contains("Rock Ridge") && d.contains("Joliet"), d);
        assertEquals(List.of("/meta-data", "/network-config", "/user-data"),
                Images.ok("isoinfo", "-J", "-f", "-i", iso.toString()).lines().sorted().toList());

        Path fat = writeSeed(doc, "vfat");
        Map<String, String> fatTags = Images.blkid(fat);
        assertEquals("cidata", fatTags.get("LABEL"), fatTags.toString());
        assertEquals("vfat", fatTags.get("TYPE"), fatTags.toString());
        assertTrue(Files.size(fat) < 2 << 20, "a seed is as small as its content allows: " + Files.size(fat));
        Images.ok("fsck.fat", "-n", fat.toString());
        String mdir = Images.ok("mdir", "-/", "-b", "-i", fat.toString(), "::/");
        assertEquals(List.of("::/meta-data", "::/network-config", "::/user-data"), mdir.lines().sorted().toList());
    }

    @Test
    void theHostNameFollowsTheDhcpDomainAsOnTheConfigDrive() throws Exception {
        Path doc = CloudInitReadsConfigDriveTreeTest.resource("instances/full.json");
        Path seed = writeSeed(doc, "iso9660", "--drop-files", "--dhcp-domain", "example.org");
        ObjectNode noCloud = Images.noCloudView(extract(seed, "iso9660"));
        assertEquals("web-server-01-example.example.org", noCloud.get("local_hostname").asText());
        assertEquals("web-server-01-example", noCloud.get("hostname").asText());
    }

    @Test
    void injectedFilesAreRefusedUnlessDroppedAndDroppingIsSaid() throws Exception {
        Path doc = CloudInitReadsConfigDriveTreeTest.resource("instances/full.json");
        Path out = tmp.resolve("seed.iso");
        Cli refused = Cli.run("configdrive", "--instance", doc.toString(), "--format", "nocloud", "--output", out.toString());
        assertEquals(ExitCode.FORMAT_LIMIT, refused.exitCode(), refused.toString());
        assertEquals(1, refused.stderr().lines().count(), refused.stderr());
        assertTrue(refused.stderr().contains("/etc/guestdata/hello.txt") && refused.stderr().contains("--drop-files"),
                refused.stderr());
        assertFalse(Files.exists(out));
        assertEquals(List.of(), Images.files(tmp).keySet().stream().toList(), "nothing written");

        Cli dropped = Cli.run("configdrive", "--instance", doc.toString(), "--format", "nocloud", "--drop-files",
                "--output", out.toString());
        assertEquals(ExitCode.OK, dropped.exitCode(), dropped.toString());
        assertTrue(dropped.stderr().contains("note: not in the NoCloud seed: 2 injected file(s)"), dropped.stderr());
        assertTrue(dropped.stderr().contains("admin_pass"), dropped.stderr());
        String metaData = new String(Images.files(extract(out, "iso9660")).get("meta-data"), StandardCharsets.UTF_8);
        assertFalse(metaData.contains("s3cret") || metaData.contains("hello"), metaData);
    }

    @Test
    void networkDataCloudInitCannotConvertIsRefused() throws Exception {
        Path doc = Files.writeString(tmp.resolve("vlan.json"), """
                {"uuid": "d5a0a4c8-3b9a-4b1e-8f3e-3f1a2b3c4d5e", "name": "v",
                 "network_data": {"links": [{"id": "a", "type": "phy", "ethernet_mac_address": "fa:16:3e:00:00:01"},
                                            {"id": "v", "type": "vlan", "vlan_link": "a", "vlan_id": 5}]}}
                """);
        Path out = tmp.resolve("seed.iso");
        Cli r = Cli.run("configdrive", "--instance", doc.toString(), "--format", "nocloud", "--output", out.toString());
        assertEquals(ExitCode.FORMAT_LIMIT, r.exitCode(), r.toString());
        assertEquals(1, r.stderr().lines().count(), r.stderr());
        assertTrue(r.stderr().contains("network_data/links/1") && r.stderr().contains("vlan_mac_address"), r.stderr());
        assertFalse(Files.exists(out));
    }

    private Path writeSeed(Path doc, String filesystem, String... extra) {
        Path out = tmp.resolve("seed-" + System.nanoTime() + (filesystem.equals("vfat") ? ".img" : ".iso"));
        List<String> args = new ArrayList<>(List.of("configdrive", "--instance", doc.toString(), "--format", "nocloud",
                "--nocloud-filesystem", filesystem, "--output", out.toString()));
        args.addAll(Arrays.asList(extra));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        return out;
    }

    private Path extract(Path seed, String filesystem) throws Exception {
        Path dir = tmp.resolve("x-" + System.nanoTime());
        return filesystem.equals("vfat") ? Images.extractFat(seed, dir) : Images.extractIso(seed, dir);
    }
}
