package io.guestdata.core.metadata;

import static io.guestdata.core.metadata.MetadataTreeLookupTest.tree;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.BlockDevices;
import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The config drive tree (nova-compat.md §1.5, §1.8, §10.2, §10.3). */
class MetadataTreeConfigDriveTest {

    private static List<String> paths(MetadataTree tree) {
        return tree.configDriveFiles().stream().map(MetadataFile::path).toList();
    }

    private static Map<String, String> files(MetadataTree tree) {
        return tree.configDriveFiles().stream().collect(Collectors.toMap(MetadataFile::path,
                f -> new String(f.contents(), StandardCharsets.UTF_8)));
    }

    /** The verified list (user data + 1 injected file + network_config), in Nova's order. */
    @Test
    void verifiedFileList() {
        MetadataTree tree = tree(TestInstances.example().file("/etc/foo.conf", "foo\n").adminPass("secret").build());
        List<String> expected = new ArrayList<>(List.of(
                "ec2/2009-04-04/user-data", "ec2/2009-04-04/meta-data.json", "ec2/latest/user-data", "ec2/latest/meta-data.json",
                "openstack/2012-08-10/meta_data.json", "openstack/2012-08-10/user_data",
                "openstack/2013-04-04/meta_data.json", "openstack/2013-04-04/user_data",
                "openstack/2013-10-17/meta_data.json", "openstack/2013-10-17/user_data", "openstack/2013-10-17/vendor_data.json"));
        for (String v : List.of("2015-10-15", "2016-06-30")) {
            for (String f : List.of("meta_data.json", "user_data", "vendor_data.json", "network_data.json")) {
                expected.add("openstack/" + v + "/" + f);
            }
        }
        for (String v : List.of("2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest")) {
            for (String f : List.of("meta_data.json", "user_data", "vendor_data.json", "network_data.json", "vendor_data2.json")) {
                expected.add("openstack/" + v + "/" + f);
            }
        }
        expected.add("openstack/content/0000");
        expected.add("openstack/content/0001");
        assertEquals(expected, paths(tree));
        Map<String, String> files = files(tree);
        assertEquals(InterfacesTemplateTest.SPEC_EXAMPLE, files.get("openstack/content/0000"));
        assertEquals("foo\n", files.get("openstack/content/0001"));
        assertEquals("#cloud-config\n", files.get("ec2/latest/user-data"));
        assertEquals("#cloud-config\n", files.get("openstack/2012-08-10/user_data"));
        assertEquals("{}", files.get("openstack/latest/vendor_data.json"));
        assertEquals("{\"static\": {}}", files.get("openstack/latest/vendor_data2.json"));
        assertEquals(PythonJson.dumps(TestInstances.json(TestInstances.STATIC_NETWORK)), files.get("openstack/latest/network_data.json"));
    }

    @Test
    void adminPassInEveryMetaDataJsonAndNoPasswordFile() {
        MetadataTree tree = tree(TestInstances.example().adminPass("secret").build());
        for (MetadataFile f : tree.configDriveFiles()) {
            assertTrue(!f.path().endsWith("/password"), f.path());
            if (f.path().endsWith("meta_data.json")) {
                assertTrue(new String(f.contents(), StandardCharsets.UTF_8).contains("\"admin_pass\": \"secret\""), f.path());
            }
        }
        // Without a password, none is made up (Nova would generate one).
        tree(TestInstances.example().build()).configDriveFiles().forEach(f ->
                assertTrue(!new String(f.contents(), StandardCharsets.UTF_8).contains("admin_pass"), f.path()));
    }

    @Test
    void ec2MetaDataJsonKeepsTheNameQuirkAndNovaKeyOrder() {
        String md = files(tree(TestInstances.example().securityGroups("default", "web").build())).get("ec2/latest/meta-data.json");
        assertEquals("{\"ami-id\": \"ami-12345678\", \"ami-launch-index\": 0, \"ami-manifest-path\": \"FIXME\", "
                + "\"instance-id\": \"i-b65cee2f\", \"hostname\": \"test-host.novalocal\", \"local-ipv4\": \"10.0.0.5\", "
                + "\"reservation-id\": \"r-abcdefgh\", \"security-groups\": [\"default\", \"web\"], "
                + "\"public-keys\": {\"0\": {\"_name\": \"0=mykey\", \"openssh-key\": \"ssh-rsa AAAAB3Nza user@host\"}}, "
                + "\"local-hostname\": \"test-host.novalocal\", \"public-hostname\": \"test-host.novalocal\", \"public-ipv4\": \"\", "
                + "\"instance-type\": \"m1.small\", "
                + "\"block-device-mapping\": {\"ami\": \"vda\", \"root\": \"/dev/vda\"}, "
                + "\"placement\": {\"availability-zone\": \"nova\"}, \"instance-action\": \"none\"}", md);
    }

    @Test
    void ec2BlockDeviceMappingInNovasInsertionOrder() {
        // instance_block_mapping: ami, root, swap (default_swap_device), ebsN (volumes sorted), ephemeralN (blanks).
        String md = files(tree(TestInstances.example().blockDevices(new BlockDevices(Optional.of("/dev/vda"),
                List.of("/dev/vdb"), Optional.of("/dev/vdc"), List.of("/dev/vde", "/dev/vdd"))).build()))
                .get("ec2/2009-04-04/meta-data.json");
        assertTrue(md.contains("\"block-device-mapping\": {\"ami\": \"vda\", \"root\": \"/dev/vda\", \"swap\": \"/dev/vdc\", "
                + "\"ebs0\": \"/dev/vdd\", \"ebs1\": \"/dev/vde\", \"ephemeral0\": \"/dev/vdb\"}, "), md);
        String noRoot = files(tree(TestInstances.example().blockDevices(BlockDevices.noRoot()).build()))
                .get("ec2/latest/meta-data.json");
        assertTrue(noRoot.contains("\"block-device-mapping\": {\"ami\": \"sda1\", \"ephemeral0\": \"sda2\", "
                + "\"root\": \"/dev/sda1\", \"swap\": \"sda3\"}, "), noRoot);
    }

    @Test
    void localIpv4OnADriveWithoutStaticAddressIsNoneAsInNova() {
        String md = files(tree(TestInstances.example().networkData(TestInstances.DHCP_NETWORK).build())).get("ec2/latest/meta-data.json");
        assertTrue(md.contains("\"local-ipv4\": null"), md);
    }

    @Test
    void contentNumberingWithoutNetworkConfigStartsAtZero() {
        MetadataTree tree = tree(TestInstances.example().networkData(TestInstances.DHCP_NETWORK)
                .file("/a", "A").file("/b", "B").build());
        assertTrue(tree.networkConfigText().isEmpty());
        Map<String, String> files = files(tree);
        assertEquals("A", files.get("openstack/content/0000"));
        assertEquals("B", files.get("openstack/content/0001"));
        String md = files.get("openstack/latest/meta_data.json");
        assertTrue(md.contains("\"files\": [{\"path\": \"/a\", \"content_path\": \"/content/0000\"}, "
                + "{\"path\": \"/b\", \"content_path\": \"/content/0001\"}]"), md);
        assertTrue(!md.contains("network_config"), md);
    }

    @Test
    void contentNumberingWithNetworkConfig() {
        MetadataTree tree = tree(TestInstances.example().file("/a", "A").file("/b", "B").build());
        Map<String, String> files = files(tree);
        assertEquals(tree.networkConfigText().orElseThrow(), files.get("openstack/content/0000"));
        assertEquals("A", files.get("openstack/content/0001"));
        assertEquals("B", files.get("openstack/content/0002"));
    }

    @Test
    void templateCanBeTurnedOff() {
        Instance instance = TestInstances.example().build();
        MetadataTree tree = MetadataTree.build(instance, MetadataOptions.defaults().withNetworkConfigForStaticAddresses(false));
        assertTrue(tree.networkConfigText().isEmpty());
        assertTrue(paths(tree).stream().noneMatch(p -> p.startsWith("openstack/content/")));
        assertTrue(files(tree).get("openstack/latest/meta_data.json").indexOf("network_config") < 0);
    }

    @Test
    void skipVersionsAreConfigurable() {
        Instance instance = TestInstances.example().noUserData().build();
        MetadataTree all = MetadataTree.build(instance, MetadataOptions.defaults().withConfigDriveSkipVersions(Set.of()));
        List<String> ec2 = paths(all).stream().filter(p -> p.startsWith("ec2/")).toList();
        assertEquals(List.of("ec2/1.0/meta-data.json", "ec2/2007-01-19/meta-data.json", "ec2/2007-03-01/meta-data.json",
                "ec2/2007-08-29/meta-data.json", "ec2/2007-10-10/meta-data.json", "ec2/2007-12-15/meta-data.json",
                "ec2/2008-02-01/meta-data.json", "ec2/2008-09-01/meta-data.json", "ec2/2009-04-04/meta-data.json",
                "ec2/latest/meta-data.json"), ec2);
        assertTrue(files(all).get("ec2/1.0/meta-data.json").startsWith("{\"ami-id\""));
        Set<String> everything = new java.util.HashSet<>(MetadataOptions.NOVA_CONFIG_DRIVE_SKIP_VERSIONS);
        everything.addAll(Set.of("2009-04-04", "latest"));
        MetadataTree none = MetadataTree.build(instance, MetadataOptions.defaults().withConfigDriveSkipVersions(everything));
        assertTrue(paths(none).stream().noneMatch(p -> p.startsWith("ec2/")));
    }

    @Test
    void withoutUserDataThereAreNoUserDataFiles() {
        List<String> paths = paths(tree(TestInstances.example().noUserData().build()));
        assertTrue(paths.stream().noneMatch(p -> p.endsWith("user_data") || p.endsWith("user-data")), paths.toString());
        // 2 EC2 + OpenStack 1+1+2+3+3+5*4 + content/0000
        assertEquals(2 + 30 + 1, paths.size(), paths.toString());
    }

    @Test
    void binaryUserDataAndFilesAreCopiedExactly() {
        byte[] bytes = {(byte) 0xff, 0, (byte) 0x80, '\n'};
        Instance instance = TestInstances.example().userData(bytes).build();
        MetadataTree tree = MetadataTree.build(instance, MetadataOptions.defaults(), Ec2Ids.derive(instance), new SplittableRandom(3));
        for (MetadataFile f : tree.configDriveFiles()) {
            if (f.path().endsWith("user_data") || f.path().endsWith("user-data")) {
                assertArrayEquals(bytes, f.contents(), f.path());
            }
        }
        assertArrayEquals(bytes, ((LookupResult.Found) tree.lookup("/latest/user-data", null)).body());
    }

    @Test
    void vendorDataIsStaticMergedWithTheInstances() {
        Instance instance = TestInstances.example().vendorData("{\"b\": {\"own\": true}, \"c\": 3}").build();
        MetadataTree tree = MetadataTree.build(instance, MetadataOptions.defaults()
                .withStaticVendorData(TestInstances.json("{\"a\": 1, \"b\": {\"service\": 1.5}}")));
        Map<String, String> files = files(tree);
        assertEquals("{\"a\": 1, \"b\": {\"own\": true}, \"c\": 3}", files.get("openstack/latest/vendor_data.json"));
        assertEquals("{\"static\": {\"a\": 1, \"b\": {\"own\": true}, \"c\": 3}}", files.get("openstack/latest/vendor_data2.json"));
        assertEquals(files.get("openstack/latest/vendor_data.json"),
                new String(((LookupResult.Found) tree.lookup("/openstack/2013-10-17/vendor_data.json", null)).body(), StandardCharsets.UTF_8));
    }
}
