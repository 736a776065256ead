package io.guestdata.core.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.BlockDevices;
import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every path and listing of the metadata service view, pinned to nova-compat.md §1, which is Nova 26's: these trees
 * are Nova 26's ({@link #NOVA_26}); {@link NovaReleaseTreeTest} has what Nova 31 changes.
 */
class MetadataTreeLookupTest {
    static final String TEXT = "text/plain; charset=UTF-8";
    static final String JSON = "application/json";
    static final String ADDRESS = "10.9.8.7";
    /** The options of the trees pinned to nova-compat.md. */
    static final MetadataOptions NOVA_26 = MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26);

    private final MetadataTree tree = tree(TestInstances.example().securityGroups("default", "web").build());

    static MetadataTree tree(Instance instance) {
        return MetadataTree.build(instance, NOVA_26, Ec2Ids.derive(instance), new SplittableRandom(1));
    }

    static String text(MetadataTree tree, String path) {
        return text(tree, path, ADDRESS);
    }

    static String text(MetadataTree tree, String path, String requester) {
        LookupResult.Found found = assertInstanceOf(LookupResult.Found.class, tree.lookup(path, requester), path);
        return new String(found.body(), StandardCharsets.UTF_8);
    }

    static String contentType(MetadataTree tree, String path) {
        return assertInstanceOf(LookupResult.Found.class, tree.lookup(path, ADDRESS), path).contentType();
    }

    static void assertNotFound(MetadataTree tree, String path) {
        assertInstanceOf(LookupResult.NotFound.class, tree.lookup(path, ADDRESS), path);
    }

    static String lines(String... lines) {
        return String.join("\n", lines);
    }

    // ---- version lists --------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/", "", "/ec2", "/ec2/", "//", "/..", "/./", "//latest/meta-data", "//openstack"})
    void ec2VersionList(String path) {
        assertEquals(lines("1.0", "2007-01-19", "2007-03-01", "2007-08-29", "2007-10-10", "2007-12-15", "2008-02-01",
                "2008-09-01", "2009-04-04", "latest"), text(tree, path));
        assertEquals(TEXT, contentType(tree, path));
    }

    @ParameterizedTest
    @ValueSource(strings = {"/openstack", "/openstack/", "openstack", "/openstack/latest/.."})
    void openStackVersionList(String path) {
        assertEquals(lines("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
                "2017-02-22", "2018-08-27", "2020-10-14", "latest"), text(tree, path));
        assertEquals(TEXT, contentType(tree, path));
    }

    @Test
    void openStackVersionsDatedAfterTodayAreHiddenButServed() {
        Instance instance = TestInstances.example().build();
        MetadataTree early = new MetadataTree(instance, NOVA_26, Ec2Ids.derive(instance),
                new SplittableRandom(1), Clock.fixed(Instant.parse("2016-10-06T00:00:00Z"), ZoneOffset.UTC));
        assertEquals(lines("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06", "latest"),
                text(early, "/openstack"));
        MetadataTree justBefore = new MetadataTree(instance, NOVA_26, Ec2Ids.derive(instance),
                new SplittableRandom(1), Clock.fixed(Instant.parse("2016-10-05T23:59:59Z"), ZoneOffset.UTC));
        assertEquals(lines("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "latest"),
                text(justBefore, "/openstack"));
        assertTrue(text(justBefore, "/openstack/2020-10-14/meta_data.json").contains("\"dedicated_cpus\": []"));
    }

    /**
     * The listings every instance of a release shares are answered without an instance ({@link MetadataTree#sharedAnswer}),
     * byte for byte as the instance's tree answers them, for each release and way of writing the path; nothing else
     * is shared, nor the OpenStack listing while the date still hides a version.
     */
    @Test
    void sharedAnswersAreTheTreesOwn() {
        Instance instance = TestInstances.example().build();
        Clock now = Clock.systemUTC();
        for (NovaRelease release : NovaRelease.values()) {
            MetadataTree tree = new MetadataTree(instance, MetadataOptions.defaults().withNovaRelease(release),
                    Ec2Ids.derive(instance), new SplittableRandom(1), now);
            for (String path : List.of("/openstack", "/openstack/", "//openstack", "/openstack/latest/..", "/ec2", "/ec2/")) {
                MetadataPath parsed = MetadataPath.of(MetadataTree.requestPath(path));
                LookupResult.Found shared = MetadataTree.sharedAnswer(parsed, release, now).orElseThrow().found();
                LookupResult.Found own = (LookupResult.Found) tree.lookup(parsed, null, null);
                assertEquals(new String(own.body(), StandardCharsets.UTF_8), new String(shared.body(), StandardCharsets.UTF_8),
                        release + " " + path);
                assertEquals(own.contentType(), shared.contentType(), release + " " + path);
            }
            for (String path : List.of("/openstack/latest", "/openstack/latest/meta_data.json", "/latest/meta-data",
                    "/ec2/latest", "/openstack/2012-08-10")) {
                assertTrue(MetadataTree.sharedAnswer(MetadataPath.of(MetadataTree.requestPath(path)), release, now).isEmpty(),
                        release + " " + path);
            }
        }
        Clock early = Clock.fixed(Instant.parse("2016-10-06T00:00:00Z"), ZoneOffset.UTC);
        assertTrue(MetadataTree.sharedAnswer(MetadataPath.of("/openstack"), NovaRelease.NOVA_26, early).isEmpty(),
                "before the newest version's date the listing follows the date");
    }

    // ---- EC2 tree ---------------------------------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {"/latest/meta-data/", "/latest/meta-data", "/ec2/latest/meta-data/", "/2009-04-04/meta-data",
            "latest/meta-data", "/latest//meta-data//", "/latest/./meta-data/.", "/openstack/../latest/meta-data"})
    void latestMetaDataListingAsVerified(String path) {
        assertEquals(lines("ami-id", "ami-launch-index", "ami-manifest-path", "block-device-mapping/", "hostname",
                "instance-action", "instance-id", "instance-type", "local-hostname", "local-ipv4", "placement/",
                "public-hostname", "public-ipv4", "public-keys/", "reservation-id", "security-groups"), text(tree, path));
        assertEquals(TEXT, contentType(tree, path));
    }

    @Test
    void version1MetaDataListingAsVerified() {
        assertEquals(lines("ami-id", "ami-launch-index", "ami-manifest-path", "hostname", "instance-id", "local-ipv4",
                "public-keys/", "reservation-id", "security-groups"), text(tree, "/1.0/meta-data/"));
    }

    @Test
    void eachEc2VersionAddsItsKeys() {
        MetadataTree withKernel = tree(TestInstances.example().kernelId("aki-0000beef").ramdiskId("ari-0000cafe").build());
        String v1 = "ami-id ami-launch-index ami-manifest-path hostname instance-id local-ipv4 public-keys/ reservation-id security-groups";
        String v2 = v1 + " local-hostname public-hostname public-ipv4";
        String v4 = v2 + " instance-type";
        String v6 = v4 + " block-device-mapping/ kernel-id ramdisk-id";
        String v7 = v6 + " placement/";
        String v8 = v7 + " instance-action";
        List<List<String>> expected = List.of(
                List.of("1.0", v1), List.of("2007-01-19", v2), List.of("2007-03-01", v2), List.of("2007-08-29", v4),
                List.of("2007-10-10", v4), List.of("2007-12-15", v6), List.of("2008-02-01", v7),
                List.of("2008-09-01", v8), List.of("2009-04-04", v8), List.of("latest", v8));
        for (List<String> e : expected) {
            List<String> keys = new java.util.ArrayList<>(List.of(e.get(1).split(" ")));
            keys.sort(null);
            assertEquals(String.join("\n", keys), text(withKernel, "/" + e.get(0) + "/meta-data/"), e.get(0));
        }
    }

    @Test
    void ec2Leaves() {
        Ec2Ids ids = tree.ec2Ids();
        assertEquals("i-b65cee2f", ids.instanceId());
        assertEquals(ids.instanceId(), text(tree, "/latest/meta-data/instance-id"));
        assertEquals("ami-12345678", text(tree, "/latest/meta-data/ami-id"));
        assertEquals("0", text(tree, "/latest/meta-data/ami-launch-index"));
        assertEquals("FIXME", text(tree, "/latest/meta-data/ami-manifest-path"));
        assertEquals("test-host.novalocal", text(tree, "/latest/meta-data/hostname"));
        assertEquals("test-host.novalocal", text(tree, "/latest/meta-data/local-hostname"));
        assertEquals("test-host.novalocal", text(tree, "/latest/meta-data/public-hostname"));
        assertEquals("none", text(tree, "/latest/meta-data/instance-action"));
        assertEquals("m1.small", text(tree, "/latest/meta-data/instance-type"));
        assertEquals("10.0.0.5", text(tree, "/latest/meta-data/local-ipv4"));
        assertEquals("", text(tree, "/latest/meta-data/public-ipv4"));
        assertEquals("r-abcdefgh", text(tree, "/latest/meta-data/reservation-id"));
        assertEquals("default\nweb", text(tree, "/latest/meta-data/security-groups"));
        assertEquals("availability-zone", text(tree, "/latest/meta-data/placement/"));
        assertEquals("nova", text(tree, "/latest/meta-data/placement/availability-zone"));
        // Nova with a root device name (nova-compat §1.6): the libvirt/virtio default /dev/vda and nothing else.
        assertMapping(tree, "ami=vda", "root=/dev/vda");
        assertEquals("#cloud-config\n", text(tree, "/latest/user-data"));
        assertEquals(TEXT, contentType(tree, "/latest/user-data"));
        assertEquals("meta-data/\nuser-data", text(tree, "/latest"));
        assertEquals("#cloud-config\n", text(tree, "/latest/meta-data/../user-data"));
    }

    @Test
    void blockDeviceMappingOfEveryDisk() {
        MetadataTree disks = tree(TestInstances.example().blockDevices(new BlockDevices(Optional.of("/dev/sda"),
                List.of("/dev/sdb", "/dev/sdc"), Optional.of("/dev/sdd"), List.of("/dev/sdf", "/dev/sda", "/dev/sde"))).build());
        // Listed sorted (ec2_md_print); volumes numbered after sorting by name; the root volume is one of them.
        assertMapping(disks, "ami=sda", "ebs0=/dev/sda", "ebs1=/dev/sde", "ebs2=/dev/sdf", "ephemeral0=/dev/sdb",
                "ephemeral1=/dev/sdc", "root=/dev/sda", "swap=/dev/sdd");
        assertNotFound(disks, "/latest/meta-data/block-device-mapping/ebs3");
        assertNotFound(disks, "/2007-10-10/meta-data/block-device-mapping");
    }

    @Test
    void withoutARootDeviceNameNovasFallbackMapping() {
        MetadataTree noRoot = tree(TestInstances.example().blockDevices(BlockDevices.noRoot()).build());
        assertMapping(noRoot, "ami=sda1", "ephemeral0=sda2", "root=/dev/sda1", "swap=sda3");
    }

    /** The {@code block-device-mapping} listing and every leaf, {@code key=value} in listing order. */
    private static void assertMapping(MetadataTree tree, String... entries) {
        String at = "/latest/meta-data/block-device-mapping/";
        List<String> keys = new java.util.ArrayList<>();
        for (String entry : entries) {
            String key = entry.substring(0, entry.indexOf('='));
            keys.add(key);
            assertEquals(entry.substring(key.length() + 1), text(tree, at + key), key);
        }
        assertEquals(String.join("\n", keys), text(tree, at));
        assertEquals(String.join("\n", keys), text(tree, at.substring(0, at.length() - 1)));
    }

    @Test
    void publicKeysUseTheNameQuirk() {
        assertEquals("0=mykey", text(tree, "/latest/meta-data/public-keys"));
        assertEquals("0=mykey", text(tree, "/latest/meta-data/public-keys/"));
        assertEquals("openssh-key", text(tree, "/latest/meta-data/public-keys/0"));
        assertEquals("openssh-key", text(tree, "/latest/meta-data/public-keys/0/"));
        assertEquals(TestInstances.KEY, text(tree, "/latest/meta-data/public-keys/0/openssh-key"));
        assertEquals("0=mykey", text(tree, "/latest/meta-data/public-keys/0/_name")); // Nova serves it too
        assertNotFound(tree, "/latest/meta-data/public-keys/1");
    }

    @Test
    void everyKeyIsListed() {
        MetadataTree keys = tree(TestInstances.example().key("second", "ssh-ed25519 AAAAC3 b@h").build());
        assertEquals("0=mykey\n1=second", text(keys, "/latest/meta-data/public-keys"));
        assertEquals("ssh-ed25519 AAAAC3 b@h", text(keys, "/latest/meta-data/public-keys/1/openssh-key"));
    }

    @Test
    void withoutKeysUserDataKernelOrFlavorThoseEntriesAreAbsentOrNone() {
        MetadataTree bare = tree(TestInstances.builder().instanceType(null).imageId(null).securityGroups().build());
        String listing = text(bare, "/latest/meta-data/");
        assertTrue(!listing.contains("public-keys") && !listing.contains("kernel-id"), listing);
        assertEquals("meta-data/", text(bare, "/latest"));
        // Nova shows Python's None for an instance without image or flavor name (str(None)).
        assertEquals("None", text(bare, "/latest/meta-data/ami-id"));
        assertEquals("None", text(bare, "/latest/meta-data/instance-type"));
        assertEquals("", text(bare, "/latest/meta-data/security-groups"));
        assertNotFound(bare, "/latest/user-data");
        assertNotFound(bare, "/latest/meta-data/public-keys");
        assertNotFound(bare, "/latest/meta-data/kernel-id");
    }

    @Test
    void localIpv4FallsBackToTheRequester() {
        MetadataTree dhcp = tree(TestInstances.example().networkData(TestInstances.DHCP_NETWORK).build());
        assertEquals("192.0.2.44", text(dhcp, "/latest/meta-data/local-ipv4", "192.0.2.44"));
        assertEquals("192.0.2.44", text(dhcp, "/1.0/meta-data/local-ipv4/", "192.0.2.44"));
        assertEquals("None", text(dhcp, "/latest/meta-data/local-ipv4", null), "no requester: Python str(None)");
        assertEquals("10.0.0.5", text(tree, "/latest/meta-data/local-ipv4", "192.0.2.44"));
    }

    @Test
    void hostnameWithoutDomain() {
        Instance instance = TestInstances.example().build();
        MetadataTree noDomain = MetadataTree.build(instance, MetadataOptions.defaults().withDhcpDomain(""));
        assertEquals("test-host", text(noDomain, "/latest/meta-data/hostname"));
        assertTrue(text(noDomain, "/openstack/latest/meta_data.json").contains("\"hostname\": \"test-host\""));
    }

    // ---- OpenStack tree ---------------------------------------------------------------------------

    @Test
    void openStackVersionListings() {
        assertEquals(lines("meta_data.json", "user_data"), text(tree, "/openstack/2012-08-10"));
        assertEquals(lines("meta_data.json", "user_data", "password"), text(tree, "/openstack/2013-04-04"));
        assertEquals(lines("meta_data.json", "user_data", "password", "vendor_data.json"), text(tree, "/openstack/2013-10-17"));
        String liberty = lines("meta_data.json", "user_data", "password", "vendor_data.json", "network_data.json");
        assertEquals(liberty, text(tree, "/openstack/2015-10-15"));
        assertEquals(liberty, text(tree, "/openstack/2016-06-30"));
        String newest = liberty + "\nvendor_data2.json";
        for (String v : List.of("2016-10-06", "2017-02-22", "2018-08-27", "2020-10-14", "latest")) {
            assertEquals(newest, text(tree, "/openstack/" + v), v);
            assertEquals(newest, text(tree, "/openstack/" + v + "/"), v);
            assertEquals(newest, text(tree, "/openstack/" + v + "/version"), v);
        }
        MetadataTree noUserData = tree(TestInstances.example().noUserData().build());
        assertEquals(lines("meta_data.json", "password"), text(noUserData, "/openstack/2013-04-04"));
        assertEquals(TEXT, contentType(tree, "/openstack/latest"));
    }

    @Test
    void openStackFilesAndContentTypes() {
        assertEquals("#cloud-config\n", text(tree, "/openstack/latest/user_data"));
        assertEquals("#cloud-config\n", text(tree, "/openstack/2012-08-10/user_data"));
        assertEquals(TEXT, contentType(tree, "/openstack/latest/user_data"));
        assertEquals(JSON, contentType(tree, "/openstack/latest/meta_data.json"));
        assertEquals("{}", text(tree, "/openstack/latest/vendor_data.json"));
        assertEquals(JSON, contentType(tree, "/openstack/latest/vendor_data.json"));
        assertEquals("{\"static\": {}}", text(tree, "/openstack/latest/vendor_data2.json"));
        assertEquals(JSON, contentType(tree, "/openstack/latest/vendor_data2.json"));
        assertEquals(TEXT, contentType(tree, "/openstack/latest/network_data.json"));
        assertEquals(TEXT, contentType(tree, "/openstack/content/0000"));
        assertEquals(InterfacesTemplateTest.SPEC_EXAMPLE, text(tree, "/openstack/content/0000"));
    }

    @Test
    void networkDataIsReserialisedInGivenOrderAndNotVersionGated() {
        String expected = PythonJson.dumps(TestInstances.json(TestInstances.STATIC_NETWORK));
        assertTrue(expected.startsWith("{\"links\": [{\"id\": \"tapabc\", \"vif_id\": \"port-1\", \"type\": \"ovs\", \"mtu\": null,"), expected);
        for (String v : List.of("2012-08-10", "2013-04-04", "2015-10-15", "latest")) {
            assertEquals(expected, text(tree, "/openstack/" + v + "/network_data.json"), v);
        }
        assertEquals("{}", text(tree(TestInstances.builder().build()), "/openstack/latest/network_data.json"));
    }

    @Test
    void passwordEndpoint() {
        assertEquals(new LookupResult.PasswordEndpoint("2013-04-04"), tree.lookup("/openstack/2013-04-04/password", ADDRESS));
        assertEquals(new LookupResult.PasswordEndpoint("2020-10-14"), tree.lookup("/openstack/latest/password/", ADDRESS));
        assertNotFound(tree, "/openstack/2012-08-10/password");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "/2010-01-01", "/2010-01-01/meta-data", "/nonsense", "/ec2/nonsense/meta-data", "/latest/meta-data/nonsense",
            "/latest/meta-data/hostname/x", "/latest/meta-data/hostname/x/y", "/latest/meta-data/security-groups/default",
            "/latest/meta-data/security-groups/0", "/latest/user-data/x", "/latest/meta-data/placement/availability-zone/x",
            "/latest/meta-data/kernel-id", "/latest/meta-data/block-device-mapping/ebs0",
            "/latest/meta-data/block-device-mapping/ephemeral0", "/latest/meta-data/block-device-mapping/swap", "/latest/meta-data/public-keys/0/x",
            "/openstack/content", "/openstack/content/", "/openstack/content/0000/x", "/openstack/content/0001",
            "/openstack/content/9999", "/openstack/content/0", "/openstack/nonsense", "/openstack/2021-01-01",
            "/openstack/2021-01-01/meta_data.json", "/openstack/latest/nonsense", "/openstack/latest/content",
            "/openstack/latest/content/0000", "/openstack/latest/meta_data.json/x", "/openstack/2012-08-10/password",
            "/openstack/2013-04-04/vendor_data.json", "/openstack/2016-06-30/vendor_data2.json", "/openstack/latest/files",
            "/openstack/2013-04-04/../2012-08-10/password", "/openstack/latest/version/x", "/openstack/latest/Meta_data.json"})
    void notFound(String path) {
        assertNotFound(tree, path);
    }

    @Test
    void userDataAbsentIsNotFound() {
        MetadataTree noUserData = tree(TestInstances.example().noUserData().build());
        assertNotFound(noUserData, "/openstack/latest/user_data");
        assertNotFound(noUserData, "/latest/user-data");
    }

    @Test
    void inNovaExactModeFilesNeverReachTheMetadataService() {
        Instance instance = TestInstances.example().file("/etc/a", "A").adminPass("secret").build();
        MetadataTree withFiles = MetadataTree.build(instance, MetadataOptions.defaults().novaExact(),
                Ec2Ids.derive(instance), new SplittableRandom(1));
        assertNotFound(withFiles, "/openstack/content/0001");
        assertEquals("# Injected by Nova on instance boot", text(withFiles, "/openstack/content/0000").lines().findFirst().orElseThrow());
        String md = text(withFiles, "/openstack/latest/meta_data.json");
        assertTrue(!md.contains("\"files\"") && !md.contains("admin_pass") && !md.contains("secret"), md);
        Instance only = TestInstances.builder().file("/etc/a", "A").build();
        MetadataTree filesOnly = MetadataTree.build(only, MetadataOptions.defaults().novaExact(), Ec2Ids.derive(only),
                new SplittableRandom(1));
        assertNotFound(filesOnly, "/openstack/content/0000");
    }

    @Test
    void byDefaultTheServiceServesInjectedFilesButNeverAdminPass() {
        MetadataTree withFiles = tree(TestInstances.example().file("/etc/a", "A").adminPass("secret").build());
        assertEquals("A", text(withFiles, "/openstack/content/0001"));
        String md = text(withFiles, "/openstack/latest/meta_data.json");
        assertTrue(md.contains("\"files\": [{\"path\": \"/etc/a\", \"content_path\": \"/content/0001\"}]"), md);
        assertTrue(!md.contains("admin_pass") && !md.contains("secret"), md);
        MetadataTree filesOnly = tree(TestInstances.builder().file("/etc/a", "A").build());
        assertEquals("A", text(filesOnly, "/openstack/content/0000"));
    }

    @Test
    void answersAreStableAcrossRequests() {
        assertEquals(tree.lookup("/latest/meta-data/", ADDRESS), tree.lookup("/latest/meta-data/", ADDRESS));
        byte[] body = ((LookupResult.Found) tree.lookup("/latest/meta-data/hostname", ADDRESS)).body();
        body[0] = 'X'; // a copy: the shared answer cannot be changed through it
        assertEquals("test-host.novalocal", text(tree, "/latest/meta-data/hostname"));
    }
}
