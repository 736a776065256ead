package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.InterfacesTemplate;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.QemuStorageExport;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.assertDirectory;
import static io.guestdata.inject.GuestImages.assertFile;
import static io.guestdata.inject.GuestImages.cat;
import static io.guestdata.inject.GuestImages.sha256;
import static io.guestdata.inject.GuestImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything injected into real ext2/3/4 images made by mke2fs from a skeleton guest; every result
 * read back with debugfs (content, mode, uid, gid), e2fsck -fn clean, the password hash checked by
 * glibc's crypt through Python.
 */
@ToolTest
class DiskInjectionTest {

    static final String ALICE_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYeJO1kEijno8UIE3a+h+vLb5HPmUZd2ElS2BSMV/eF alice@example";
    static final String META_JS = "{\"role\": \"webservers\", \"essential\": \"false\", \"dsmode\": \"local\","
            + " \"with space\": \"\\u00fcn\\u00efcode\"}";

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(FilesystemBackends.thisBuild(), RandomGenerator.of("L64X128MixRandom"));

    InjectionOptions options() {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir));
    }

    /** The skeleton with an existing /etc/motd owned by alice, 0640. */
    Path tree() throws Exception {
        return tree(dir);
    }

    /** The skeleton with an existing /etc/motd owned by alice, 0640, in {@code dir}. */
    static Path tree(Path dir) throws Exception {
        Path t = GuestImages.skeleton(dir);
        GuestImages.write(t, "etc/motd", "old motd\n", "rw-r-----");
        Files.setAttribute(t.resolve("etc/motd"), "unix:uid", 1000);
        Files.setAttribute(t.resolve("etc/motd"), "unix:gid", 1000);
        return t;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"-t ext4", "-t ext2", "-t ext3", "-t ext4 -b 1024", "-t ext4 -O ^has_journal,^extent,^64bit",
            "-t ext4 -O metadata_csum,64bit"})
    void everythingIsInjectedOnEveryExtFlavour(String mkfsOptions) throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, mkfsOptions.split(" "));
        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(0, report.count(Status.FAILED) + report.count(Status.REFUSED) + report.count(Status.NOT_WRITTEN));
        assertEquals(Optional.of("raw"), report.format());
        assertEquals(Optional.of("ext2fs"), report.backend());
        assertEverything(img, 0, Instances.full());
        assertClean(img, 0);
    }

    /** Every file of {@code inject.json}, as Nova would write it, plus our native formats' absence. */
    static void assertEverything(Path img, long off, Instance instance) {
        // key: /root/.ssh 0700 root:root; one Nova block per key; 0600
        assertDirectory(img, off, "/root/.ssh", 0700, 0, 0);
        String keys = cat(img, off, "/root/.ssh/authorized_keys");
        assertTrue(keys.startsWith("\n# The following ssh key was injected by Nova\n" + ALICE_KEY + "\n"
                + "\n# The following ssh key was injected by Nova\nssh-rsa "), keys);
        assertTrue(keys.endsWith(" bob@example\n"), keys);
        assertFile(img, off, "/root/.ssh/authorized_keys", 0600, 0, 0, null);
        // net: /etc/network 0744; the template's text; no native format in the skeleton
        assertDirectory(img, off, "/etc/network", 0744, 0, 0);
        String interfaces = InterfacesTemplate.render(instance.networkData().orElseThrow(), false).orElseThrow();
        assertFile(img, off, "/etc/network/interfaces", 0644, 0, 0, interfaces);
        assertTrue(interfaces.contains("auto eth0\niface eth0 inet static\n    hwaddress ether fa:16:3e:00:00:01\n"
                + "    address 10.0.0.5\n"), interfaces);
        assertTrue(interfaces.contains("auto eth1\n"), interfaces);
        assertTrue(!interfaces.contains("eth2"), interfaces);
        assertNull(stat(img, off, "/etc/netplan/50-guestdata.yaml"));
        // metadata
        assertFile(img, off, "/meta.js", 0644, 0, 0, META_JS);
        // password: only root's field changed, trailing newline kept, mode and group kept
        String shadow = cat(img, off, "/etc/shadow");
        List<String> lines = shadow.lines().toList();
        assertTrue(shadow.endsWith("\n"));
        assertEquals(GuestImages.SHADOW.lines().skip(1).toList(), lines.subList(1, lines.size()));
        String[] root = lines.getFirst().split(":", -1);
        assertEquals(List.of("root", "19000", "0", "99999", "7", "", "", ""),
                List.of(root[0], root[2], root[3], root[4], root[5], root[6], root[7], root[8]));
        assertTrue(root[1].matches("\\$6\\$[a-zA-Z0-9./]{16}\\$[a-zA-Z0-9./]{86}"), root[1]);
        assertTrue(GuestImages.cryptVerifies("s3cret-Pass", root[1]), root[1]);
        assertTrue(!GuestImages.cryptVerifies("s3cret-pass", root[1]));
        assertFile(img, off, "/etc/shadow", 0640, 0, 0, null);
        assertEquals(GuestImages.PASSWD, cat(img, off, "/etc/passwd"));
        // files: Nova's leaf directory 0744, intermediates 0755; new files 0644 root:root; existing kept
        assertDirectory(img, off, "/etc/guestdata", 0744, 0, 0);
        assertFile(img, off, "/etc/guestdata/hello.txt", 0644, 0, 0, "hello from guestdata\n");
        assertDirectory(img, off, "/opt", 0755, 0, 0);
        assertDirectory(img, off, "/opt/app", 0755, 0, 0);
        assertDirectory(img, off, "/opt/app/conf", 0744, 0, 0);
        assertFile(img, off, "/opt/app/conf/app.ini", 0644, 0, 0, "[app]\nkey = value\n");
        assertFile(img, off, "/etc/motd", 0640, 1000, 1000, "Welcome\n");
        // nothing else touched
        assertDirectory(img, off, "/root", 0700, 0, 0);
        assertDirectory(img, off, "/etc", 0755, 0, 0);
    }

    @Test
    void theReportListsEveryWriteInNovasOrder() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        InjectionReport report = injector.inject(img, Instances.full(), options());
        List<String> rows = report.entries().stream()
                .map(e -> e.item().label() + " " + e.action() + " " + e.path().orElse("-") + " " + e.modeText() + " "
                        + e.owner().map(Owner::toString).orElse("-") + " " + e.status().label())
                .toList();
        assertEquals(List.of(
                "key mkdir /root/.ssh 0700 root:root written",
                "key append /root/.ssh/authorized_keys 0600 root:root written",
                "net mkdir /etc/network 0744 root:root written",
                "net replace /etc/network/interfaces 0644 root:root written",
                "metadata replace /meta.js 0644 root:root written",
                "password replace /etc/shadow 0640 root:root written",
                "files mkdir /etc/guestdata 0744 root:root written",
                "files replace /etc/guestdata/hello.txt 0644 root:root written",
                "files mkdir /opt 0755 root:root written",
                "files mkdir /opt/app 0755 root:root written",
                "files mkdir /opt/app/conf 0744 root:root written",
                "files replace /opt/app/conf/app.ini 0644 root:root written",
                "files replace /etc/motd 0640 alice:alice written"), rows);
        assertEquals(META_JS.length(), report.entries().get(4).bytes().getAsLong());
    }

    @Test
    void partitionMinusOneFindsTheOsRootOnAnMbrDisk() throws Exception {
        Path other = Files.createDirectories(dir.resolve("data"));
        Files.writeString(other.resolve("README"), "not an OS\n");
        Path img = GuestImages.mbrDisk(dir, "mbr.img", other, tree());
        long off = 34816L * 512;
        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(Optional.of("partition 2 (ext4)"), report.target());
        assertEverything(img, off, Instances.full());
        assertClean(img, off);
        assertClean(img, 2048L * 512);
        assertNull(stat(img, 2048L * 512, "/meta.js"));
    }

    @Test
    void partitionNOnAGptDisk() throws Exception {
        Path img = GuestImages.gptDisk(dir, "gpt.img", tree());
        long off = GuestImages.gptPartition2Offset(img);
        InjectionReport report = injector.inject(img, Instances.full(), options().withPartition(2));
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEverything(img, off, Instances.full());
        assertClean(img, off);
    }

    @Test
    void qcow2RoundTrip() throws Exception {
        Path raw = GuestImages.mbrDisk(dir, "base.img", null, tree());
        Path qcow2 = GuestImages.toQcow2(raw, dir.resolve("disk.qcow2"));
        InjectionReport report = injector.inject(qcow2, Instances.full(),
                options().withImageFormat(Optional.of(ImageFormat.QCOW2)));
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(Optional.of("qcow2"), report.format());
        Path back = GuestImages.toRaw(qcow2, dir.resolve("back.img"));
        assertEverything(back, 34816L * 512, Instances.full());
        assertClean(back, 34816L * 512);
        GuestImages.runOk("qemu-img", "check", "-q", qcow2.toString());
    }

    @Test
    void dryRunWritesNothingAndPlansEverything() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        String before = sha256(img);
        InjectionReport report = injector.inject(img, Instances.full(), options().withDryRun(true));
        assertEquals(before, sha256(img));
        assertEquals(Outcome.PLANNED, report.outcome(), () -> String.valueOf(report));
        assertTrue(report.dryRun());
        assertEquals(13, report.count(Status.PLANNED));
        assertEquals(report.entries().size(), report.count(Status.PLANNED));
        assertClean(img, 0);
    }

    @Test
    void dryRunOfAQcow2LeavesItUnchanged() throws Exception {
        Path raw = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        Path qcow2 = GuestImages.toQcow2(raw, dir.resolve("disk.qcow2"));
        String before = sha256(qcow2);
        InjectionReport report = injector.inject(qcow2, Instances.full(), options().withDryRun(true).withPartition(0));
        assertEquals(Outcome.PLANNED, report.outcome(), () -> String.valueOf(report));
        assertEquals(before, sha256(qcow2));
    }

    @Test
    void onlyASubsetIsWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        InjectionRequest only = new InjectionRequest(EnumSet.of(InjectionItem.METADATA, InjectionItem.PASSWORD), true,
                PasswordHash.MD5, false);
        InjectionReport report = injector.inject(img, Instances.full(), options().withRequest(only));
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(List.of("/meta.js", "/etc/shadow"), report.entries().stream().map(e -> e.path().orElseThrow()).toList());
        assertNull(stat(img, 0, "/root/.ssh"));
        assertNull(stat(img, 0, "/etc/network"));
        assertNull(stat(img, 0, "/etc/guestdata"));
        String hash = cat(img, 0, "/etc/shadow").lines().findFirst().orElseThrow().split(":")[1];
        assertTrue(hash.matches("\\$1\\$[a-zA-Z0-9./]{8}\\$[a-zA-Z0-9./]{22}"), hash);
        assertTrue(GuestImages.cryptVerifies("s3cret-Pass", hash));
        assertClean(img, 0);
    }

    @Test
    void anItemRequestedWithoutDataIsRefusedAndNothingIsWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        ObjectNode doc = Instances.document();
        doc.remove("admin_pass");
        String before = sha256(img);
        InjectionRequest only = new InjectionRequest(Set.of(InjectionItem.METADATA, InjectionItem.PASSWORD), true,
                PasswordHash.SHA512, false);
        InjectionReport report = injector.inject(img, Instances.parse(doc), options().withRequest(only));
        assertEquals(Outcome.REFUSED, report.outcome());
        assertEquals("password was requested (--only) but the instance has no admin password",
                report.entries().stream().filter(e -> e.status() == Status.REFUSED).findFirst().orElseThrow().detail());
        assertEquals(before, sha256(img));
    }

    @Test
    void nothingToInjectLeavesTheImageUnopened() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        ObjectNode doc = Instances.JSON.createObjectNode();
        doc.put("uuid", "83679162-1378-4288-a2d4-70e13ec132aa").put("name", "empty");
        String before = sha256(img);
        InjectionReport report = injector.inject(img, Instances.parse(doc), options());
        assertEquals(Outcome.NOTHING_TO_DO, report.outcome());
        assertEquals(5, report.count(Status.SKIPPED));
        assertEquals(before, sha256(img));
    }

    @Test
    void anExistingAuthorizedKeysIsAppendedToAndKeepsItsOwner() throws Exception {
        Path t = tree();
        GuestImages.write(t, "root/.ssh/authorized_keys", "ssh-ed25519 AAAAexisting old@host\n", "rw-r--r--");
        Files.setAttribute(t.resolve("root/.ssh/authorized_keys"), "unix:gid", 1000);
        GuestImages.write(t, "etc/network/interfaces", "# old\n", "rw-r--r--");
        Files.setPosixFilePermissions(t.resolve("root/.ssh"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertDirectory(img, 0, "/root/.ssh", 0700, 0, 0);
        assertDirectory(img, 0, "/etc/network", 0744, 0, 0);
        String keys = cat(img, 0, "/root/.ssh/authorized_keys");
        assertTrue(keys.startsWith("ssh-ed25519 AAAAexisting old@host\n\n# The following ssh key was injected by Nova\n"
                + ALICE_KEY + "\n"), keys);
        assertFile(img, 0, "/root/.ssh/authorized_keys", 0600, 0, 1000, null);
        assertClean(img, 0);
    }

    @Test
    void selinuxGuestsGetNovasRcLocalLines() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/selinux");
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        assertEquals(Outcome.DONE, injector.inject(img, Instances.full(), options()).outcome());
        assertFile(img, 0, "/etc/rc.local", 0700, 0, 0, "#!/bin/sh\n"
                + "# Added by Nova to ensure injected ssh keys have the right context\n"
                + "restorecon -RF root/.ssh 2>/dev/null || :\n");
        assertClean(img, 0);
    }

    @Test
    void selinuxOnRhelAppendsThroughTheRcLocalLinkIntoRcD() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/selinux");
        GuestImages.write(t, "etc/rc.d/rc.local", "#!/bin/bash\ntouch /var/lock/subsys/local\n", "rw-r--r--");
        Files.createSymbolicLink(t.resolve("etc/rc.local"), Path.of("rc.d/rc.local"));
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        InjectionReport report = injector.inject(img, Instances.full(), options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertFile(img, 0, "/etc/rc.d/rc.local", 0700, 0, 0, "#!/bin/bash\ntouch /var/lock/subsys/local\n"
                + "\n# Added by Nova to ensure injected ssh keys have the right context\n"
                + "restorecon -RF root/.ssh 2>/dev/null || :\n");
        assertEquals("symlink", stat(img, 0, "/etc/rc.local").type());
        assertTrue(report.entries().stream().anyMatch(e -> e.path().orElse("").equals("/etc/rc.d/rc.local")
                && e.detail().contains("/etc/rc.local is a symlink to rc.d/rc.local")));
        assertClean(img, 0);
    }

    @Test
    void selinuxWithoutRcLocalButWithRcDUsesRcD() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/selinux", "etc/rc.d");
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        assertEquals(Outcome.DONE, injector.inject(img, Instances.full(), options()).outcome());
        assertFile(img, 0, "/etc/rc.d/rc.local", 0700, 0, 0, "#!/bin/sh\n"
                + "# Added by Nova to ensure injected ssh keys have the right context\n"
                + "restorecon -RF root/.ssh 2>/dev/null || :\n");
        assertNull(stat(img, 0, "/etc/rc.local"));
    }

    @Test
    void netplanGuestsGetTheirOwnFileToo() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/netplan", "etc/NetworkManager/system-connections", "etc/systemd/network");
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        Instance instance = Instances.full();
        assertEquals(Outcome.DONE, injector.inject(img, instance, options()).outcome());
        List<StaticInterface> ifs = StaticInterface.of(instance.networkData().orElseThrow());
        assertFile(img, 0, "/etc/netplan/50-guestdata.yaml", 0600, 0, 0, NativeNetworkConfig.netplan(ifs));
        // netplan generates NetworkManager's and networkd's configuration itself: nothing else written
        assertEquals("", GuestImages.debugfs(img, 0, "ls /etc/NetworkManager/system-connections").stdout()
                .replaceAll("\\s*\\d+\\s+\\(\\d+\\)\\s+\\.\\.?\\s*", "").strip());
        assertNull(stat(img, 0, "/etc/systemd/network/50-guestdata-eth0.network"));
        assertFile(img, 0, "/etc/network/interfaces", 0644, 0, 0, null);
        assertClean(img, 0);
    }

    @Test
    void networkManagerAndEnabledNetworkdGuestsGetKeyfilesAndUnits() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/NetworkManager/system-connections", "etc/systemd/network",
                "etc/systemd/system/multi-user.target.wants");
        Files.createSymbolicLink(t.resolve("etc/systemd/system/multi-user.target.wants/systemd-networkd.service"),
                Path.of("/lib/systemd/system/systemd-networkd.service"));
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        Instance instance = Instances.full();
        InjectionReport report = injector.inject(img, instance, options());
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        List<StaticInterface> ifs = StaticInterface.of(instance.networkData().orElseThrow());
        assertEquals(List.of("eth0", "eth1"), ifs.stream().map(StaticInterface::name).toList());
        for (StaticInterface i : ifs) {
            assertFile(img, 0, "/etc/NetworkManager/system-connections/guestdata-" + i.name() + ".nmconnection", 0600, 0, 0,
                    NativeNetworkConfig.keyfile(i, instance.uuid()));
            assertFile(img, 0, "/etc/systemd/network/50-guestdata-" + i.name() + ".network", 0644, 0, 0,
                    NativeNetworkConfig.networkd(i));
        }
        assertClean(img, 0);
    }

    @Test
    void networkdThatIsNotEnabledGetsNothing() throws Exception {
        Path t = tree();
        GuestImages.mkdirs(t, "etc/systemd/network");
        Path img = GuestImages.wholeDisk(dir, "disk.img", t, 32, "-t", "ext4");
        assertEquals(Outcome.DONE, injector.inject(img, Instances.full(), options()).outcome());
        assertNull(stat(img, 0, "/etc/systemd/network/50-guestdata-eth0.network"));
    }

    @Test
    void aSecondInjectionAppendsTheKeysAgainAndReplacesTheRest() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        assertEquals(Outcome.DONE, injector.inject(img, Instances.full(), options()).outcome());
        String first = cat(img, 0, "/root/.ssh/authorized_keys");
        assertEquals(Outcome.DONE, injector.inject(img, Instances.full(), options()).outcome());
        assertEquals(first + first, cat(img, 0, "/root/.ssh/authorized_keys"), "Nova appends on every injection");
        assertFile(img, 0, "/meta.js", 0644, 0, 0, META_JS);
        assertClean(img, 0);
    }

    @Test
    void aKernelIdForcesTheWholeDiskAsInNova() throws Exception {
        ObjectNode doc = Instances.document();
        doc.put("kernel_id", "aki-00000001");
        Instance withKernel = Instances.parse(doc);
        Path img = GuestImages.wholeDisk(dir, "disk.img", tree(), 32, "-t", "ext4");
        InjectionReport report = injector.inject(img, withKernel, options().withPartition(1));
        assertEquals(Outcome.DONE, report.outcome(), () -> String.valueOf(report));
        assertEquals(Optional.of("the whole disk (ext4)"), report.target());
        assertTrue(report.notes().getFirst().startsWith("the instance has a kernel_id: Nova injects into the whole disk"));
        Path mbr = GuestImages.mbrDisk(dir, "mbr.img", null, tree());
        var e = org.junit.jupiter.api.Assertions.assertThrows(io.guestdata.inject.block.PartitionSelectionException.class,
                () -> injector.inject(mbr, withKernel, options()));
        assertTrue(e.getMessage().endsWith("(the instance has a kernel_id, so Nova injects into the whole disk whatever"
                + " the partition option says)"), e.getMessage());
    }
}
