package io.guestdata.e2e;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.guestdata.inject.ceph.CephCluster;

/**
 * Real Debian guests with Debian's cloud-init boot under QEMU (TCG) once per delivery path and guest generation
 * ({@link Generation}: Debian 12 with cloud-init 22.4, Debian 13 with cloud-init 25.1), power themselves off
 * when cloud-init is done, and the evidence is read back from their disks with debugfs (nothing is mounted).
 * Each boot takes 1–3 minutes; the first run also builds the guest images (see image/build-guest-image).
 *
 * <p>Boots run two at a time (each QEMU keeps one core busy; junit-platform.properties sets the parallelism),
 * so each has its own work folder, namespace, tap, veth pair and ports.
 */
@Tag("e2e")
@Execution(ExecutionMode.CONCURRENT)
class GuestBootTest {
    private static final Pattern SYSINFO_ENTRY = Pattern.compile("<entry name=\"(\\w+)\">([^<]*)</entry>");
    /** QEMU's user network's guest address. */
    private static final String SLIRP_ADDRESS = "10.0.2.15";
    /** The IPv6-only guest's static address (network_data), on the metadata network's fd00:e2e::/64. */
    private static final String IPV6_ONLY_ADDRESS = "fd00:e2e::15";

    /** The generations the paths every guest must handle run on. */
    static Stream<Generation> generations() {
        return Generation.selected().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generations")
    void isoConfigDrive(Generation generation) {
        configDrive(generation, "iso9660");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generations")
    void vfatConfigDrive(Generation generation) {
        configDrive(generation, "vfat");
    }

    /** A config drive of the format, attached as Nova attaches it, read by cloud-init's ConfigDrive datasource. */
    private static void configDrive(Generation generation, String format) {
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, format);
        TestInstance instance = onUserNetwork("gd-e2e-" + format, dir);
        Path drive = dir.resolve("disk.config");
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", format, "--output", drive.toString(), "--libvirt-xml").stdout();
        GuestVm vm = attachDrive(vm(image, dir).smbios(sysinfo(xml)), format, drive).userNetwork(instance.mac);
        Evidence e = boot(generation + ", " + format + " config drive", vm, dir);
        cloudInitChecks(e, instance, "DataSourceConfigDrive");
        injectedFiles(e, instance);
        e.verify();
    }

    /** A config drive as Nova's libvirt driver attaches it: ISO 9660 as an IDE CD-ROM, VFAT as a virtio disk. */
    private static GuestVm attachDrive(GuestVm vm, String format, Path drive) {
        return "vfat".equals(format) ? vm.virtioDisk(drive) : vm.cdrom(drive);
    }

    /**
     * Ignition's boots: both generations and both drive formats in two boots (ISO on Debian 12, VFAT on Debian 13;
     * both ship the same Ignition 2.14, so its provider is the same code on each), as far as the run selects them.
     */
    static Stream<Arguments> ignitionBoots() {
        return Stream.of(Arguments.of(Generation.DEBIAN12, "iso9660"), Arguments.of(Generation.DEBIAN13, "vfat"))
                .filter(a -> Generation.selected().contains((Generation) a.get()[0]));
    }

    /**
     * Debian's Ignition 2.14 ({@code --platform=openstack}, its fetch stage, as an Ignition image's initramfs runs
     * it) in the guest, reading the config drive: the part of its OpenStack provider the host cannot run (its
     * kernel mounts neither iso9660 nor vfat; the metadata-service part is {@code IgnitionOpenStackTest}). The
     * provider races {@code /dev/disk/by-label/config-2} (or {@code CONFIG-2}), mounted read-only with
     * {@code mount -t auto}, against {@code http://169.254.169.254/openstack/latest/user_data}; the guest has no
     * network interface at all, so only the drive can answer. cloud-init is off. The document's user data is an
     * Ignition config holding the run's key and nonce: Ignition must parse exactly its bytes (it logs their
     * SHA-512), say it unmounted the drive by its label, and cache the config.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @MethodSource("ignitionBoots")
    void ignitionReadsConfigDrive(Generation generation, String format) throws Exception {
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "ignition-" + format);
        TestInstance instance = onUserNetwork("gd-e2e-ignition", dir);
        String source = "data:,guestdata%20" + instance.nonce;
        ObjectNode config = TestInstance.JSON.createObjectNode();
        config.putObject("ignition").put("version", "3.3.0");
        config.putObject("passwd").putArray("users").addObject().put("name", "core")
                .putArray("sshAuthorizedKeys").add(instance.publicKey);
        config.putObject("storage").putArray("files").addObject().put("path", "/etc/guestdata-ignition").put("mode", 420)
                .putObject("contents").put("source", source);
        instance.customUserData = TestInstance.JSON.writeValueAsString(config);
        Path drive = dir.resolve("disk.config");
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", format, "--output", drive.toString(), "--libvirt-xml").stdout();
        GuestVm vm = attachDrive(vm(image, dir).smbios(sysinfo(xml)), format, drive)
                .kernelArg("cloud-init=disabled").kernelArg("guestdata-e2e.ignition");
        Evidence e = boot(generation + ", Ignition reads the " + format + " config drive", vm, dir);
        e.collectorRan();
        String log = Evidence.DIR + "/ignition.txt";
        e.fileContains(log, "exit=0");
        byte[] userData = instance.customUserData.getBytes(StandardCharsets.UTF_8);
        e.fileContains(log, "parsing config with SHA512: "
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-512").digest(userData)));
        e.fileContains(log, "unmounting \"/dev/disk/by-label/config-2\"");
        e.fileMatches(Evidence.DIR + "/ignition.json", "is the user data's config as Ignition caches it", t -> {
            try {
                JsonNode cached = TestInstance.JSON.readTree(t);
                return cached.at("/storage/files/0/contents/source").asText().equals(source)
                        && cached.at("/storage/files/0/path").asText().equals("/etc/guestdata-ignition")
                        && cached.at("/passwd/users/0/sshAuthorizedKeys/0").asText().equals(instance.publicKey);
            } catch (IOException notJson) {
                return false;
            }
        });
        e.verify();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generations")
    void noCloudSeed(Generation generation) {
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "nocloud");
        TestInstance instance = onUserNetwork("gd-e2e-nocloud", dir);
        Path seed = dir.resolve("seed.iso");
        Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", "nocloud", "--output", seed.toString(), "--drop-files"); // NoCloud has no files: say so
        // a NoCloud seed is for platforms that are not Nova: no Nova SMBIOS, the seed as a CD-ROM
        GuestVm vm = vm(image, dir).cdrom(seed).userNetwork(instance.mac);
        Evidence e = boot(generation + ", NoCloud seed", vm, dir);
        cloudInitChecks(e, instance, "DataSourceNoCloud");
        e.verify();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generations")
    void metadataServiceThroughProxy(Generation generation) throws Exception {
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "service");
        TestInstance instance = new TestInstance("gd-e2e-service", "10.0.0.15", MetadataNetwork.GUEST_GATEWAY,
                MetadataNetwork.GUEST_GATEWAY, dir);
        try (MetadataNetwork network = MetadataNetwork.ipv4(dir, instance.mac, instance.address)) {
            Evidence e = serviceBoot(generation + ", metadata service via guestdata proxy", image, dir, instance,
                    network, instance.address, UnaryOperator.identity());
            cloudInitChecks(e, instance, "DataSourceOpenStack");
            verify(e, network);
        }
    }

    /**
     * Debian 13 on an IPv6-only network: nothing answers DHCP and the guest never has an IPv4 address; cloud-init
     * 25.1's OpenStack datasource (its ephemeral DHCPv4 in the local stage finds nothing) reaches the metadata
     * service at {@code fe80::a9fe:a9fe} from its link-local address, which the proxy maps to the instance, and
     * gets everything there, including its static IPv6 address.
     *
     * <p>The URL: cloud-init's own, {@code http://[fe80::a9fe:a9fe%25ens3]}, cannot be fetched with Debian 13's
     * python3-requests 2.32 (psf/requests#6735: the zone reaches getaddrinfo still encoded, {@code %25ens3},
     * "Name or service not known"; the first run of this boot found it). A numeric zone passes through intact,
     * so the boot gives cloud-init the same address with the interface's index ({@code %252}, the guest's only
     * NIC is interface 2) as its {@code metadata_urls}, in system configuration on the kernel command line
     * ({@code cc: … end_cc}), as an operator of such guests would in the image.
     */
    @Test
    void ipv6OnlyMetadataService() throws Exception {
        Generation generation = only(Generation.DEBIAN13);
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "service-ipv6");
        TestInstance instance = TestInstance.ipv6Only("gd-e2e-ipv6", IPV6_ONLY_ADDRESS, MetadataNetwork.GUEST_GATEWAY_V6, dir);
        String url = "http://[" + MetadataNetwork.METADATA_V6 + "%252]";
        // read_cc_from_cmdline URL-decodes the text between "cc:" and "end_cc": %25 there is one '%' in the URL
        String systemConfig = "cc:{'datasource':{'OpenStack':{'metadata_urls':['" + url.replace("%", "%25") + "']}}} end_cc";
        try (MetadataNetwork network = MetadataNetwork.ipv6Only(dir)) {
            Evidence e = serviceBoot(generation + ", IPv6-only, metadata service at fe80::a9fe:a9fe", image, dir,
                    instance, network, instance.linkLocalAddress(), vm -> vm.kernelArg(systemConfig));
            cloudInitChecks(e, instance, "DataSourceOpenStack");
            e.noIpv4();
            e.fileContains("/var/log/cloud-init.log", "Using metadata source: '" + url + "'");
            verify(e, network);
        }
    }

    /**
     * The instance created through the management API, the proxy mapping {@code source}, the guest (SMBIOS as
     * Nova sets it, no drive, on the network's tap, {@code customize} applied) booted.
     */
    private static Evidence serviceBoot(String path, GuestImage image, Path dir, TestInstance instance,
            MetadataNetwork network, String source, UnaryOperator<GuestVm> customize) throws Exception {
        // SMBIOS as Nova sets it (cloud-init's OpenStack datasource looks for product "OpenStack Nova"); no drive
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", "iso9660", "--output", dir.resolve("unused.iso").toString(), "--libvirt-xml").stdout();
        network.createInstance(TestInstance.JSON.writeValueAsString(instance.document()));
        network.startProxy(source, instance.uuid, instance.project);
        GuestVm vm = customize.apply(vm(image, dir).smbios(sysinfo(xml)).tapNetwork(MetadataNetwork.TAP, instance.mac)
                .prefix(network.inNamespace()));
        try {
            return boot(path, vm, dir);
        } catch (AssertionError failed) {
            throw withLogs(failed, network);
        }
    }

    private static void verify(Evidence e, MetadataNetwork network) {
        try {
            e.verify();
        } catch (AssertionError failed) {
            throw withLogs(failed, network);
        }
    }

    private static AssertionError withLogs(AssertionError failed, MetadataNetwork network) {
        return new AssertionError(failed.getMessage() + "\n--- dnsmasq, serve, proxy (last lines of each)\n"
                + network.logs(), failed);
    }

    /**
     * Debian 13 on a partitioned root disk laid out as Debian's cloud images are ({@link CloudImageDisk}: BIOS
     * boot, EFI system and root partitions), its instance with root device name {@code /dev/vda}, delivered on
     * an ISO config drive. cloud-init's mounts module looks {@code ephemeral0} and {@code swap} up in the EC2
     * {@code block-device-mapping} (which, as Nova serves it for such an instance, has neither), must find no
     * device for either and leave every partition of the guest alone: nothing added to {@code /etc/fstab},
     * nothing mounted or swapped on.
     */
    @Test
    void partitionedRootDisk() {
        Generation generation = only(Generation.DEBIAN13);
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "partitioned");
        TestInstance instance = onUserNetwork("gd-e2e-gpt", dir);
        instance.rootDeviceName = "/dev/vda";
        Path drive = dir.resolve("disk.config");
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", "iso9660", "--output", drive.toString(), "--libvirt-xml").stdout();
        Path disk = CloudImageDisk.write(image, dir.resolve("disk.raw"));
        String root = "/dev/vda" + CloudImageDisk.ROOT_PARTITION;
        GuestVm vm = new GuestVm(image, disk, dir).root(root).smbios(sysinfo(xml)).cdrom(drive).userNetwork(instance.mac);
        Evidence e = boot(new GuestDisk(disk, CloudImageDisk.rootOffset()), generation + ", partitioned root disk", vm);
        cloudInitChecks(e, instance, "DataSourceConfigDrive");
        injectedFiles(e, instance);
        e.blockDeviceMapping(Map.of("ami", "vda", "root", "/dev/vda"));
        String log = "/var/log/cloud-init.log";
        e.fileContains(log, "Running module mounts");
        // With Nova's fallback mapping the module maps ephemeral0 to vda2 and swap to vda3 (remapped from sda2,
        // sda3) and only then refuses them as not whole disks; with Nova's libvirt mapping it finds no device.
        e.fileMatches(log, "shows the mounts module mapped neither ephemeral0 nor swap to a device", t -> t.lines()
                .noneMatch(l -> l.contains("Mapped metadata name ephemeral0") || l.contains("Mapped metadata name swap")));
        e.fileContains(log, "Ignoring nonexistent default named mount ephemeral0");
        e.fileContains(log, "Ignoring nonexistent default named mount swap");
        String imageFstab = new GuestDisk(image.rootfs()).text("/etc/fstab").orElseThrow();
        e.fileMatches("/etc/fstab", "is the image's own (no cloud-init entry, no partition added)",
                t -> t.equals(imageFstab));
        e.fileMatches(Evidence.DIR + "/swaps.txt", "lists no swap", t -> t.strip().lines().count() == 1);
        e.fileMatches(Evidence.DIR + "/mounts.txt", "shows " + root + " at / and no other partition of vda mounted",
                t -> t.lines().filter(l -> l.startsWith("/dev/vda")).toList().equals(List.of(root + " / ext4")));
        e.verify();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("generations")
    void diskInjection(Generation generation) {
        GuestImage image = GuestImage.get(generation);
        Path dir = E2e.workDir(generation, "inject");
        TestInstance instance = onUserNetwork("gd-e2e-inject", dir);
        // the host name travels as an injected file (Nova's injection has no host name item)
        instance.files.put("/etc/hostname", (instance.hostname + "\n").getBytes(StandardCharsets.UTF_8));
        Path disk = image.copyRootfs(dir.resolve("root.ext4"));
        Guestdata.run("inject", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--image", disk.toString(), "--partition", "0");
        // cloud-init off: everything the guest shows came from the injection. net.ifnames=0: Nova's interfaces
        // template names the first NIC eth0, as images that relied on injection did.
        GuestVm vm = new GuestVm(image, disk, dir).userNetwork(instance.mac)
                .kernelArg("cloud-init=disabled").kernelArg("net.ifnames=0");
        Evidence e = boot(new GuestDisk(disk), generation + ", disk injection", vm);
        e.collectorRan();
        e.fileContains(Evidence.DIR + "/cloud-init-status.txt", "status: disabled");
        e.fileContains("/root/.ssh/authorized_keys", instance.publicKey);
        e.rootPassword(instance.adminPass);
        e.fileContains("/etc/network/interfaces", "address " + instance.address);
        e.addressUp(instance, "eth0");
        e.fileContains("/meta.js", instance.nonce);
        e.fileContains(Evidence.DIR + "/hostname.txt", instance.hostname);
        injectedFiles(e, instance);
        e.verify();
    }

    /**
     * Issue 11: the guest's root disk is an RBD image in the test Ceph cluster (cephx, user with {@code profile rbd}
     * on the pool only); {@code guestdata inject --image rbd:...} writes into it through librbd, QEMU's rbd driver
     * boots it, and the evidence is read from the image exported afterwards. Debian 12 only: what is proven is
     * the RBD path, not the guest.
     */
    @Test
    void diskInjectionIntoRbd() {
        Generation generation = only(Generation.DEBIAN12);
        GuestImage image = GuestImage.get(generation);
        CephCluster ceph = CephCluster.shared();
        Path dir = E2e.workDir(generation, "inject-rbd");
        TestInstance instance = onUserNetwork("gd-e2e-inject-rbd", dir);
        instance.files.put("/etc/hostname", (instance.hostname + "\n").getBytes(StandardCharsets.UTF_8));
        String name = CephCluster.uniqueName("e2e-root");
        ceph.rbdAdminOk("import", "--no-progress", image.copyRootfs(dir.resolve("root.ext4")).toString(),
                ceph.pool() + "/" + name);
        String rbd = rbdFilename(ceph, name);
        try {
            Guestdata.run("inject", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                    "--image", rbd, "--partition", "0");
            GuestVm vm = new GuestVm(image, rbd, dir).userNetwork(instance.mac)
                    .kernelArg("cloud-init=disabled").kernelArg("net.ifnames=0");
            Duration took = vm.boot(E2e.bootTimeout());
            System.out.printf("e2e: %s, disk injection into RBD: the guest powered off after %d s%n", generation,
                    took.toSeconds());
            Path after = dir.resolve("root-after.ext4");
            ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + name, after.toString());
            Evidence e = new Evidence("disk injection into RBD", new GuestDisk(after), vm);
            e.collectorRan();
            e.fileContains("/root/.ssh/authorized_keys", instance.publicKey);
            e.rootPassword(instance.adminPass);
            e.fileContains("/etc/network/interfaces", "address " + instance.address);
            e.addressUp(instance, "eth0");
            e.fileContains("/meta.js", instance.nonce);
            injectedFiles(e, instance);
            e.verify();
        } finally {
            ceph.rbdAdmin("rm", "--no-progress", ceph.pool() + "/" + name);
        }
    }

    /**
     * Issue 11: {@code guestdata configdrive --output rbd:POOL/<uuid>_disk.config} writes the drive into the
     * cluster as Nova's {@code rbd import} does; QEMU attaches that RBD image as the CD-ROM and cloud-init reads it.
     * Debian 12 only, as above.
     */
    @Test
    void isoConfigDriveInRbd() {
        Generation generation = only(Generation.DEBIAN12);
        GuestImage image = GuestImage.get(generation);
        CephCluster ceph = CephCluster.shared();
        Path dir = E2e.workDir(generation, "iso-rbd");
        TestInstance instance = onUserNetwork("gd-e2e-iso-rbd", dir);
        String name = instance.uuid + "_disk.config";
        String rbd = rbdFilename(ceph, name);
        try {
            String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                    "--format", "iso9660", "--output", rbd, "--libvirt-xml",
                    "--rbd-secret-uuid", java.util.UUID.randomUUID().toString()).stdout();
            // QEMU here opens the image itself with the keyring the conf names; the XML's <auth> is for libvirt
            GuestVm vm = vm(image, dir).smbios(sysinfo(xml)).cdrom(rbd).userNetwork(instance.mac);
            Evidence e = boot(generation + ", iso9660 config drive in RBD", vm, dir);
            cloudInitChecks(e, instance, "DataSourceConfigDrive");
            injectedFiles(e, instance);
            e.verify();
        } finally {
            ceph.rbdAdmin("rm", "--no-progress", ceph.pool() + "/" + name);
        }
    }

    /**
     * An instance for QEMU's user network: the guest gets 10.0.2.15 by DHCP there (gateway 10.0.2.2, DNS
     * 10.0.2.3); its document gives it the same address statically.
     */
    private static TestInstance onUserNetwork(String name, Path dir) {
        return new TestInstance(name, SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
    }

    /** The generation of a test that boots only that one; skips the test if the run leaves it out. */
    private static Generation only(Generation generation) {
        assumeTrue(Generation.selected().contains(generation), "GUESTDATA_E2E_GENERATIONS leaves out " + generation.id());
        return generation;
    }

    /** QEMU's rbd: filename for an image of the test cluster: the user's key comes from the keyring the conf names. */
    private static String rbdFilename(CephCluster ceph, String image) {
        return "rbd:" + ceph.pool() + "/" + image + ":id=" + ceph.user() + ":conf=" + ceph.conf();
    }

    // ---------------------------------------------------------------------------------------------------------

    private static void cloudInitChecks(Evidence e, TestInstance instance, String datasource) {
        e.collectorRan();
        e.cloudInitDone(datasource);
        e.instanceData(instance);
        e.fileMatches("/etc/hostname", "is " + instance.hostname, t -> t.strip().equals(instance.hostname));
        e.fileContains(Evidence.DIR + "/hostname.txt", instance.hostname);
        e.fileContains("/home/debian/.ssh/authorized_keys", instance.publicKey);
        e.fileContains(Evidence.DIR + "/user-data-ran", "user-data ran: " + instance.nonce);
        e.rootHash(instance.rootHash);
        e.fileContains("/etc/network/interfaces.d/50-cloud-init", "address " + instance.address + "/" + instance.prefix);
        e.addressUp(instance, "e");
    }

    private static void injectedFiles(Evidence e, TestInstance instance) {
        instance.files.forEach(e::fileEquals);
    }

    private static GuestVm vm(GuestImage image, Path dir) {
        return new GuestVm(image, image.copyRootfs(dir.resolve("root.ext4")), dir);
    }

    /** Boots a guest whose root is the bare filesystem copy {@code vm(image, dir)} made. */
    private static Evidence boot(String path, GuestVm vm, Path dir) {
        return boot(new GuestDisk(dir.resolve("root.ext4")), path, vm);
    }

    private static Evidence boot(GuestDisk disk, String path, GuestVm vm) {
        Duration took = vm.boot(E2e.bootTimeout());
        System.out.printf("e2e: %s: the guest powered off after %d s%n", path, took.toSeconds());
        return new Evidence(path, disk, vm);
    }

    /** SMBIOS entries from the {@code <sysinfo>} of guestdata's libvirt XML. */
    static Map<String, String> sysinfo(String xml) {
        Map<String, String> entries = new LinkedHashMap<>();
        Matcher m = SYSINFO_ENTRY.matcher(xml);
        while (m.find()) {
            entries.put(m.group(1), m.group(2).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", "\"")
                    .replace("&apos;", "'").replace("&amp;", "&"));
        }
        if (!entries.containsKey("product")) {
            throw new AssertionError("no SMBIOS product in guestdata's libvirt XML:\n" + xml);
        }
        return entries;
    }
}
