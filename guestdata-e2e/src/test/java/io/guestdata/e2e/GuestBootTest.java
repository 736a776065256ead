package io.guestdata.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import io.guestdata.inject.ceph.CephCluster;

/**
 * A real Debian 12 guest with cloud-init 22.4 boots under QEMU (TCG) once per delivery path, powers itself off
 * when cloud-init is done, and the evidence is read back from its disk with debugfs (nothing is mounted).
 * Each boot takes 1.5–4 minutes; the first run also builds the guest image (see image/build-guest-image).
 */
@Tag("e2e")
class GuestBootTest {
    private static final Pattern SYSINFO_ENTRY = Pattern.compile("<entry name=\"(\\w+)\">([^<]*)</entry>");
    /** QEMU's user network: the guest gets 10.0.2.15 by DHCP; our documents give it the same address statically. */
    private static final String SLIRP_ADDRESS = "10.0.2.15";

    private static GuestImage image;

    @BeforeAll
    static void image() {
        image = GuestImage.get();
    }

    @Test
    void isoConfigDrive() {
        configDrive("iso9660", GuestVm::cdrom);
    }

    @Test
    void vfatConfigDrive() {
        configDrive("vfat", GuestVm::virtioDisk);
    }

    /** A config drive of the format, attached as Nova attaches it, read by cloud-init's ConfigDrive datasource. */
    private static void configDrive(String format, BiFunction<GuestVm, Path, GuestVm> attach) {
        Path dir = E2e.workDir(format);
        TestInstance instance = new TestInstance("gd-e2e-" + format, SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
        Path drive = dir.resolve("disk.config");
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", format, "--output", drive.toString(), "--libvirt-xml").out();
        GuestVm vm = attach.apply(vm(dir).smbios(sysinfo(xml)), drive).userNetwork(instance.mac);
        Evidence e = boot(format + " config drive", vm, dir);
        cloudInitChecks(e, instance, "DataSourceConfigDrive");
        injectedFiles(e, instance);
        e.verify();
    }

    @Test
    void noCloudSeed() {
        Path dir = E2e.workDir("nocloud");
        TestInstance instance = new TestInstance("gd-e2e-nocloud", SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
        Path seed = dir.resolve("seed.iso");
        Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", "nocloud", "--output", seed.toString(), "--drop-files"); // NoCloud has no files: say so
        // a NoCloud seed is for platforms that are not Nova: no Nova SMBIOS, the seed as a CD-ROM
        GuestVm vm = vm(dir).cdrom(seed).userNetwork(instance.mac);
        Evidence e = boot("NoCloud seed", vm, dir);
        cloudInitChecks(e, instance, "DataSourceNoCloud");
        e.verify();
    }

    @Test
    void metadataServiceThroughProxy() throws Exception {
        Path dir = E2e.workDir("service");
        TestInstance instance = new TestInstance("gd-e2e-service", "10.0.0.15", MetadataNetwork.GUEST_GATEWAY,
                MetadataNetwork.GUEST_GATEWAY, dir);
        // SMBIOS as Nova sets it (cloud-init's OpenStack datasource looks for product "OpenStack Nova"); no drive
        String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--format", "iso9660", "--output", dir.resolve("unused.iso").toString(), "--libvirt-xml").out();
        try (MetadataNetwork network = new MetadataNetwork(dir).start(instance.mac, instance.address)) {
            network.createInstance(TestInstance.JSON.writeValueAsString(instance.document()));
            network.startProxy(instance.address, instance.uuid, instance.project);
            GuestVm vm = vm(dir).smbios(sysinfo(xml)).tapNetwork(MetadataNetwork.TAP, instance.mac).prefix(network.inNamespace());
            try {
                Evidence e = boot("metadata service via guestdata proxy", vm, dir);
                cloudInitChecks(e, instance, "DataSourceOpenStack");
                e.verify();
            } catch (AssertionError failed) {
                throw new AssertionError(failed.getMessage() + "\n--- dnsmasq, serve, proxy (last lines of each)\n"
                        + network.logs(), failed);
            }
        }
    }

    @Test
    void diskInjection() {
        Path dir = E2e.workDir("inject");
        TestInstance instance = new TestInstance("gd-e2e-inject", SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
        // the host name travels as an injected file (Nova's injection has no host name item)
        instance.files.put("/etc/hostname", (instance.hostname + "\n").getBytes(StandardCharsets.UTF_8));
        Path disk = image.copyRootfs(dir.resolve("root.ext4"));
        Guestdata.run("inject", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                "--image", disk.toString(), "--partition", "0");
        // cloud-init off: everything the guest shows came from the injection. net.ifnames=0: Nova's interfaces
        // template names the first NIC eth0, as images that relied on injection did.
        GuestVm vm = new GuestVm(image, disk, dir).userNetwork(instance.mac)
                .kernelArg("cloud-init=disabled").kernelArg("net.ifnames=0");
        Evidence e = boot(disk, "disk injection", vm);
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
     * boots it, and the evidence is read from the image exported afterwards.
     */
    @Test
    void diskInjectionIntoRbd() {
        CephCluster ceph = CephCluster.shared();
        Path dir = E2e.workDir("inject-rbd");
        TestInstance instance = new TestInstance("gd-e2e-inject-rbd", SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
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
            System.out.printf("e2e: disk injection into RBD: the guest powered off after %d s%n", took.toSeconds());
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
     */
    @Test
    void isoConfigDriveInRbd() {
        CephCluster ceph = CephCluster.shared();
        Path dir = E2e.workDir("iso-rbd");
        TestInstance instance = new TestInstance("gd-e2e-iso-rbd", SLIRP_ADDRESS, "10.0.2.2", "10.0.2.3", dir);
        String name = instance.uuid + "_disk.config";
        String rbd = rbdFilename(ceph, name);
        try {
            String xml = Guestdata.run("configdrive", "--instance", instance.write(dir.resolve("instance.json")).toString(),
                    "--format", "iso9660", "--output", rbd, "--libvirt-xml",
                    "--rbd-secret-uuid", java.util.UUID.randomUUID().toString()).out();
            // QEMU here opens the image itself with the keyring the conf names; the XML's <auth> is for libvirt
            GuestVm vm = vm(dir).smbios(sysinfo(xml)).cdrom(rbd).userNetwork(instance.mac);
            Evidence e = boot("iso9660 config drive in RBD", vm, dir);
            cloudInitChecks(e, instance, "DataSourceConfigDrive");
            injectedFiles(e, instance);
            e.verify();
        } finally {
            ceph.rbdAdmin("rm", "--no-progress", ceph.pool() + "/" + name);
        }
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

    private static GuestVm vm(Path dir) {
        return new GuestVm(image, image.copyRootfs(dir.resolve("root.ext4")), dir);
    }

    private static Evidence boot(String path, GuestVm vm, Path dir) {
        return boot(dir.resolve("root.ext4"), path, vm);
    }

    private static Evidence boot(Path disk, String path, GuestVm vm) {
        Duration took = vm.boot(E2e.bootTimeout());
        System.out.printf("e2e: %s: the guest powered off after %d s%n", path, took.toSeconds());
        return new Evidence(path, new GuestDisk(disk), vm);
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
