package io.guestdata.inject.guestfs;

import io.guestdata.testkit.GuestfsTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FileStat;
import io.guestdata.inject.fs.FileType;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.HardLinkPolicy;
import io.guestdata.inject.fs.SymlinkPolicy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The libguestfs backend's opening, path rules and refusals against {@link ModelHandle}, without an
 * appliance: every rule here is also exercised once against a real one (GuestfsXfsTest,
 * GuestfsInspectTest), where each launch costs 15–20 s.
 */
@GuestfsTest
class GuestfsFilesystemModelTest {

    @TempDir
    Path dir;

    private Path image;
    private ModelHandle guest;

    @BeforeEach
    void image() throws IOException {
        image = Files.write(dir.resolve("disk.img"), new byte[512]);
        guest = new ModelHandle();
        guest.dir("/root", 0700);
        guest.dir("/etc", 0755);
        guest.file("/etc/passwd", 0644, "root:x:0:0:root:/root:/bin/sh\n");
    }

    private GuestfsFilesystem open(InjectPartition target, boolean readOnly) throws GuestFsException {
        return GuestfsFilesystem.open(guest, image, "raw", target, readOnly, GuestfsSettings.DEFAULT);
    }

    private GuestfsFilesystem open() throws GuestFsException {
        return open(new InjectPartition.WholeDisk(), false);
    }

    private static GuestPath p(String path) {
        return GuestPath.of(path);
    }

    private GuestFsException refused(Kind kind, ThrowingCall call) {
        int before = guest.writes().size();
        GuestFsException e = assertThrows(GuestFsException.class, call::run);
        assertEquals(kind, e.kind(), e.getMessage());
        assertEquals(before, guest.writes().size(), "a refused call wrote: " + guest.writes());
        return e;
    }

    @FunctionalInterface
    interface ThrowingCall {
        void run() throws Exception;
    }

    // --- opening --------------------------------------------------------------------------------

    @Test
    void wholeDiskMountsSdaAtRootWithTheFormatGivenAndUmask022() throws Exception {
        try (GuestfsFilesystem fs = GuestfsFilesystem.open(guest, image, "QCOW2", new InjectPartition.WholeDisk(), false,
                GuestfsSettings.FORCE_TCG)) {
            assertEquals(List.of(new GuestfsFilesystem.Mount("/dev/sda", "/")), fs.mounts());
        }
        assertEquals(List.of("set_backend direct", "set_backend_settings [force_tcg]", "add_drive disk.img qcow2 false",
                "launch", "list_partitions", "mount /dev/sda /", "umask 22", "umount_all", "shutdown", "close"), guest.calls);
    }

    @Test
    void wholeDiskWithAPartitionTableIsRefusedNamingThePartitions() {
        guest.partitions = List.of("/dev/sda1", "/dev/sda2");
        GuestFsException e = assertThrows(GuestFsException.class, () -> open());
        assertEquals(Kind.OPEN_FAILED, e.kind());
        assertTrue(e.getMessage().contains("/dev/sda1, /dev/sda2"), e.getMessage());
        assertTrue(guest.closed, "the appliance is closed after a failed open");
    }

    @Test
    void partitionNumberMountsThatPartitionOrNamesTheOnesThereAre() throws Exception {
        guest.partitions = List.of("/dev/sda1", "/dev/sda2");
        try (GuestfsFilesystem fs = open(new InjectPartition.Number(2), true)) {
            assertEquals(List.of(new GuestfsFilesystem.Mount("/dev/sda2", "/")), fs.mounts());
        }
        assertTrue(guest.calls.contains("add_drive disk.img raw true"), guest.calls.toString());
        assertTrue(guest.calls.contains("mount_ro /dev/sda2 /"), guest.calls.toString());

        ModelHandle other = new ModelHandle();
        other.partitions = List.of("/dev/sda1", "/dev/sda2");
        GuestFsException e = assertThrows(GuestFsException.class, () -> GuestfsFilesystem.open(other, image, "raw",
                new InjectPartition.Number(3), false, GuestfsSettings.DEFAULT));
        assertEquals("open " + image + ": partition 3 not found; the disk has /dev/sda1, /dev/sda2", e.getMessage());
        assertTrue(other.closed);
    }

    @Test
    void inspectMountsTheOneRootsMountpointsSortedByPath() throws Exception {
        guest.roots = List.of("/dev/vg/root");
        guest.mountpoints = Map.of("/boot/efi", "/dev/sda1", "/", "/dev/vg/root", "/boot", "/dev/sda2",
                "/var", "/dev/vg/var");
        try (GuestfsFilesystem fs = open(new InjectPartition.Find(), false)) {
            assertEquals(List.of(new GuestfsFilesystem.Mount("/dev/vg/root", "/"),
                    new GuestfsFilesystem.Mount("/dev/sda2", "/boot"),
                    new GuestfsFilesystem.Mount("/dev/sda1", "/boot/efi"),
                    new GuestfsFilesystem.Mount("/dev/vg/var", "/var")), fs.mounts());
        }
        assertEquals(List.of("mount /dev/vg/root /", "mount /dev/sda2 /boot", "mount /dev/sda1 /boot/efi",
                "mount /dev/vg/var /var"), guest.calls.stream().filter(c -> c.startsWith("mount")).toList());
    }

    @Test
    void inspectWithoutAnOsOrWithSeveralNamesWhatItFound() {
        guest.filesystems = Map.of("/dev/sda1", "xfs", "/dev/sda2", "swap");
        GuestFsException none = assertThrows(GuestFsException.class, () -> open(new InjectPartition.Find(), false));
        assertEquals("open " + image + ": no operating system found (inspect_os found no root among /dev/sda1 (xfs),"
                + " /dev/sda2 (swap)); choose the partition to inject into, or 0 for the whole disk", none.getMessage());

        ModelHandle multi = new ModelHandle();
        multi.roots = List.of("/dev/sda2", "/dev/sda1");
        GuestFsException several = assertThrows(GuestFsException.class, () -> GuestfsFilesystem.open(multi, image, "raw",
                new InjectPartition.Find(), false, GuestfsSettings.DEFAULT));
        assertEquals("open " + image + ": multi-boot operating system found: roots /dev/sda1, /dev/sda2; choose the"
                + " partition to inject into", several.getMessage());
        assertTrue(multi.closed);
    }

    @Test
    void badArgumentsAreRefusedBeforeAnyLaunch() {
        assertThrows(IllegalArgumentException.class, () -> GuestfsFilesystem.open(guest, image, "vmdk",
                new InjectPartition.WholeDisk(), false, GuestfsSettings.DEFAULT));
        assertThrows(IllegalArgumentException.class, () -> GuestfsFilesystem.open(guest, image, "raw",
                new InjectPartition.Disabled(), false, GuestfsSettings.DEFAULT));
        GuestFsException missing = assertThrows(GuestFsException.class, () -> GuestfsFilesystem.open(guest,
                dir.resolve("nope.img"), "raw", new InjectPartition.WholeDisk(), false, GuestfsSettings.DEFAULT));
        assertEquals(Kind.OPEN_FAILED, missing.kind());
        assertEquals(List.of(), guest.calls);
    }

    // --- writes as Nova's key injection makes them ------------------------------------------------

    @Test
    void novaKeyInjectionSequence() throws Exception {
        byte[] key = "\n# The following ssh key was injected by Nova\nssh-ed25519 AAAA test\n".getBytes(StandardCharsets.UTF_8);
        try (GuestfsFilesystem fs = open()) {
            fs.makeDirectories(p("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT);
            fs.append(p("/root/.ssh/authorized_keys"), key, AccessPolicy.STRICT);
            fs.chmod(p("/root/.ssh/authorized_keys"), 0600, AccessPolicy.STRICT);
            FileStat st = fs.stat(p("/root/.ssh/authorized_keys"));
            assertEquals(new FileStat(FileType.REGULAR, 0600, 0, 0, key.length, 1, st.inode(), java.util.Optional.empty(),
                    java.util.Set.of()), st);
            assertArrayEquals(key, fs.read(p("/root/.ssh/authorized_keys"), 1 << 16));
            assertEquals(0700, fs.stat(p("/root/.ssh")).mode());
        }
        assertEquals(List.of("mkdir_mode /root/.ssh 700", "lchown 0 0 /root/.ssh", "chmod 700 /root/.ssh",
                "write /root/.ssh/authorized_keys <" + key.length + " bytes>", "chmod 600 /root/.ssh/authorized_keys"),
                guest.writes());
    }

    @Test
    void makeDirectoriesGivesOnlyTheCreatedOnesExactModeAndOwner() throws Exception {
        try (GuestfsFilesystem fs = open()) {
            fs.makeDirectories(p("/etc/a/b"), 02751, 1000, 1001);
            assertEquals(0755, fs.stat(p("/etc")).mode());
            FileStat a = fs.stat(p("/etc/a"));
            assertEquals(List.of(02751, 1000, 1001), List.of(a.mode(), a.uid(), a.gid()));
            assertEquals(02751, fs.stat(p("/etc/a/b")).mode());
            fs.makeDirectories(p("/etc/a"), 0700, 0, 0); // exists: nothing changes
            assertEquals(02751, fs.stat(p("/etc/a")).mode());
            refused(Kind.NOT_A_DIRECTORY, () -> fs.makeDirectories(p("/etc/passwd/x"), 0755, 0, 0));
            refused(Kind.NOT_A_DIRECTORY, () -> fs.makeDirectories(p("/etc/passwd"), 0755, 0, 0));
        }
    }

    @Test
    void replaceKeepsModeAndOwnerAndNewFilesAre0644Root() throws Exception {
        guest.file("/etc/hosts", 0640, "old").uid = 5;
        guest.dir("/srv", 02775).gid = 50;
        try (GuestfsFilesystem fs = open()) {
            fs.replace(p("/etc/hosts"), "new".getBytes(StandardCharsets.UTF_8));
            FileStat hosts = fs.stat(p("/etc/hosts"));
            assertEquals(List.of(0640, 5, 0, 3L), List.of(hosts.mode(), hosts.uid(), hosts.gid(), hosts.size()));
            fs.replace(p("/etc/new"), new byte[0]);
            FileStat created = fs.stat(p("/etc/new"));
            assertEquals(List.of(0644, 0, 0, 0L), List.of(created.mode(), created.uid(), created.gid(), created.size()));
            fs.replace(p("/srv/inherits"), "x".getBytes(StandardCharsets.UTF_8));
            assertEquals(0, fs.stat(p("/srv/inherits")).gid(), "a set-group-id directory's group is not inherited");
            refused(Kind.NOT_FOUND, () -> fs.replace(p("/etc/missing/x"), new byte[1]));
            refused(Kind.IS_A_DIRECTORY, () -> fs.replace(p("/etc"), new byte[1]));
        }
    }

    @Test
    void contentIsByteExactAndLargeContentGoesInChunks() throws Exception {
        byte[] big = new byte[GuestfsFilesystem.WRITE_CHUNK * 2 + 1000];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31);
        }
        try (GuestfsFilesystem fs = open()) {
            fs.replace(p("/etc/big"), big);
            assertArrayEquals(big, fs.read(p("/etc/big"), big.length));
            fs.append(p("/etc/big"), new byte[] {0, (byte) 0xff});
            byte[] read = fs.read(p("/etc/big"), big.length + 2);
            assertArrayEquals(Arrays.copyOf(big, big.length), Arrays.copyOf(read, big.length));
            assertEquals(0, read[big.length]);
            refused(Kind.TOO_LARGE, () -> fs.read(p("/etc/big"), big.length));
        }
        assertEquals(List.of("write /etc/big <1048576 bytes>", "write_append /etc/big <1048576 bytes>",
                "write_append /etc/big <1000 bytes>", "write_append /etc/big <2 bytes>"), guest.writes());
    }

    @Test
    void chownKeepsSetIdBitsAsTheExtBackendDoes() throws Exception {
        guest.file("/etc/tool", 04755, "");
        try (GuestfsFilesystem fs = open()) {
            fs.chown(p("/etc/tool"), 10, 20);
            FileStat st = fs.stat(p("/etc/tool"));
            assertEquals(List.of(04755, 10, 20), List.of(st.mode(), st.uid(), st.gid()));
            assertThrows(IllegalArgumentException.class, () -> fs.chown(p("/etc/tool"), -1, 0));
        }
    }

    // --- symlinks ---------------------------------------------------------------------------------

    @Test
    void directorySymlinksAreFollowedInsideTheGuestAndNeverHandedToLibguestfs() throws Exception {
        guest.dir("/real", 0755);
        guest.symlink("/root/.ssh", "../../../../real");
        guest.symlink("/abs", "/etc");
        try (GuestfsFilesystem fs = open()) {
            fs.replace(p("/root/.ssh/authorized_keys"), "k".getBytes(StandardCharsets.UTF_8));
            assertTrue(fs.exists(p("/real/authorized_keys")));
            assertArrayEquals("root:x:0:0:root:/root:/bin/sh\n".getBytes(StandardCharsets.UTF_8),
                    fs.read(p("/abs/passwd"), 100));
            FileStat link = fs.stat(p("/abs"));
            assertEquals(FileType.SYMLINK, link.type());
            assertEquals(java.util.Optional.of("/etc"), link.symlinkTarget());
        }
        assertTrue(guest.writes().contains("write /real/authorized_keys <1 bytes>"), guest.writes().toString());
    }

    @Test
    void symlinkRefusals() throws Exception {
        guest.symlink("/root/.ssh", "/etc");
        guest.symlink("/etc/link", "passwd");
        guest.symlink("/loop1", "loop2");
        guest.symlink("/loop2", "loop1");
        guest.symlink("/dangling", "nowhere/deeper");
        try (GuestfsFilesystem fs = open()) {
            GuestFsException e = refused(Kind.SYMLINK_REFUSED, () -> fs.append(p("/root/.ssh/authorized_keys"),
                    new byte[1], AccessPolicy.STRICT));
            assertEquals("append /root/.ssh/authorized_keys: /root/.ssh is a symlink to /etc; policy NO_FOLLOW refuses"
                    + " symlinks in any component", e.getMessage());
            refused(Kind.SYMLINK_REFUSED, () -> fs.makeDirectories(p("/root/.ssh"), 0700, 0, 0, AccessPolicy.STRICT));
            refused(Kind.SYMLINK_REFUSED, () -> fs.replace(p("/etc/link"), new byte[1]));
            refused(Kind.SYMLINK_REFUSED, () -> fs.chmod(p("/etc/link"), 0600));
            refused(Kind.SYMLINK_REFUSED, () -> fs.chown(p("/etc/link"), 1, 1));
            refused(Kind.SYMLINK_REFUSED, () -> fs.read(p("/etc/link"), 100,
                    new AccessPolicy(SymlinkPolicy.NO_FOLLOW, HardLinkPolicy.REFUSE)));
            assertEquals(30, fs.read(p("/etc/link"), 100).length);
            refused(Kind.SYMLINK_LOOP, () -> fs.replace(p("/loop1/x"), new byte[1]));
            refused(Kind.SYMLINK_REFUSED, () -> fs.makeDirectories(p("/dangling"), 0755, 0, 0));
            refused(Kind.SYMLINK_REFUSED, () -> fs.replace(p("/dangling"), new byte[1]));
            refused(Kind.NOT_FOUND, () -> fs.replace(p("/dangling/x"), new byte[1]));
            assertTrue(fs.exists(p("/dangling")));
        }
    }

    @Test
    void namesAndTargetsTheBindingCannotCarryExactlyAreRefused() throws Exception {
        guest.symlink("/latin1", "/x\u00e9y");
        guest.lossyLinks.put("/latin1", "/x\u00e9y"); // 4 bytes on disk (0xE9 alone) read back as 5 bytes of UTF-8
        guest.at("/latin1").target = "/x?y"; // its on-disk length: 4
        try (GuestfsFilesystem fs = open()) {
            refused(Kind.UNSUPPORTED_FEATURE, () -> fs.replace(p("/etc/\uD83D\uDE00"), new byte[1]));
            refused(Kind.UNSUPPORTED_FEATURE, () -> fs.read(p("/latin1/f"), 10));
            fs.replace(p("/etc/caf\u00e9"), new byte[1]); // BMP is fine
            assertTrue(fs.exists(p("/etc/caf\u00e9")));
        }
    }

    // --- other refusals ---------------------------------------------------------------------------

    @Test
    void hardLinksFlagsTypesAndSpace() throws Exception {
        guest.file("/etc/shadow", 0640, "s");
        guest.hardLink("/etc/shadow", "/root/shadow-copy");
        guest.file("/etc/frozen", 0644, "f").attrs = "i";
        guest.file("/etc/log", 0644, "l").attrs = "a";
        guest.dir("/locked", 0755).attrs = "i";
        guest.fifo("/etc/fifo");
        try (GuestfsFilesystem fs = open()) {
            // stat reports the flags (lsattr letters) so a planner can refuse before the first write
            assertEquals(java.util.Set.of(io.guestdata.inject.fs.InodeAttribute.IMMUTABLE), fs.stat(p("/etc/frozen")).attributes());
            assertEquals(java.util.Set.of(io.guestdata.inject.fs.InodeAttribute.APPEND_ONLY), fs.stat(p("/etc/log")).attributes());
            assertEquals(java.util.Set.of(io.guestdata.inject.fs.InodeAttribute.IMMUTABLE), fs.stat(p("/locked")).attributes());
            assertEquals(java.util.Set.of(), fs.stat(p("/etc/fifo")).attributes());
            refused(Kind.HARD_LINK_REFUSED, () -> fs.replace(p("/etc/shadow"), new byte[1]));
            refused(Kind.HARD_LINK_REFUSED, () -> fs.chmod(p("/etc/shadow"), 0600));
            fs.append(p("/etc/shadow"), new byte[] {'!'}, new AccessPolicy(SymlinkPolicy.FOLLOW_INSIDE_GUEST, HardLinkPolicy.ALLOW));
            assertEquals(2, fs.read(p("/root/shadow-copy"), 10).length);
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/etc/frozen"), new byte[1]));
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.append(p("/etc/frozen"), new byte[1]));
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.chmod(p("/etc/frozen"), 0600));
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/etc/log"), new byte[1]));
            fs.append(p("/etc/log"), new byte[1]); // append-only allows appending
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.replace(p("/locked/new"), new byte[1]));
            refused(Kind.INODE_FLAGS_REFUSED, () -> fs.makeDirectories(p("/locked/d"), 0755, 0, 0));
            refused(Kind.NOT_A_REGULAR_FILE, () -> fs.replace(p("/etc/fifo"), new byte[1]));
            refused(Kind.NOT_A_REGULAR_FILE, () -> fs.read(p("/etc/fifo"), 10));
            guest.bavail = 3;
            refused(Kind.NO_SPACE, () -> fs.replace(p("/etc/new"), new byte[64 * 1024]));
            assertEquals(3 * 4096, fs.freeBytes());
            guest.bavail = 1_000_000;
            guest.favail = 0;
            refused(Kind.NO_SPACE, () -> fs.makeDirectories(p("/etc/d"), 0755, 0, 0));
        }
    }

    @Test
    void readOnlyAndClosed() throws Exception {
        GuestfsFilesystem fs = open(new InjectPartition.WholeDisk(), true);
        refused(Kind.READ_ONLY, () -> fs.replace(p("/etc/passwd"), new byte[1]));
        refused(Kind.READ_ONLY, () -> fs.makeDirectories(p("/x"), 0755, 0, 0));
        refused(Kind.READ_ONLY, () -> fs.chmod(p("/etc/passwd"), 0600));
        assertTrue(fs.exists(p("/etc/passwd")));
        assertFalse(fs.exists(p("/etc/passwd/x")));
        fs.close();
        fs.close();
        assertEquals(1, guest.calls.stream().filter("close"::equals).count());
        refused(Kind.CLOSED, () -> fs.stat(p("/etc")));
    }
}
