package io.guestdata.inject.guestfs;

import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.List;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestFsException.Kind;
import io.guestdata.inject.fs.GuestPath;

import static io.guestdata.inject.guestfs.GuestTools.runOk;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Nova's {@code inject_partition = -1} on a real disk, in one appliance launch: a GPT disk in
 * qcow2 with an ext4 root (partition 1, whose fstab mounts {@code LABEL=data} at {@code /srv}) and
 * an XFS partition 2; opened read-only, {@code inspect_os} finds the one root and both
 * filesystems are mounted, root first; reads cross the mountpoint; every write is refused and the
 * image file is unchanged.
 */
@Tag("guestfs")
class GuestfsInspectTest {

    @TempDir
    Path dir;

    private static final long MIB = 1 << 20;

    @Test
    void findsTheOneRootMountsItsFstabAndStaysReadOnly() throws Exception {
        Path qcow2 = disk();
        byte[] before = sha256(qcow2);
        try (GuestfsFilesystem fs = GuestfsFilesystem.open(qcow2, "qcow2", new InjectPartition.Find(), true,
                GuestTools.settings())) {
            assertEquals(List.of(new GuestfsFilesystem.Mount("/dev/sda1", "/"),
                    new GuestfsFilesystem.Mount("/dev/sda2", "/srv")), fs.mounts());
            assertEquals("ID=debian\nVERSION_ID=\"12\"\n",
                    new String(fs.read(GuestPath.of("/etc/os-release"), 1000), StandardCharsets.UTF_8));
            assertEquals("on xfs\n", new String(fs.read(GuestPath.of("/srv/data.txt"), 1000), StandardCharsets.UTF_8));
            assertTrue(fs.stat(GuestPath.of("/srv")).isDirectory());
            assertTrue(fs.freeBytes() > 0);
            for (GuestfsFilesystemModelTest.ThrowingCall write : List.<GuestfsFilesystemModelTest.ThrowingCall>of(
                    () -> fs.replace(GuestPath.of("/srv/data.txt"), new byte[1]),
                    () -> fs.append(GuestPath.of("/etc/new"), new byte[1]),
                    () -> fs.makeDirectories(GuestPath.of("/root/.ssh"), 0700, 0, 0),
                    () -> fs.chmod(GuestPath.of("/etc/os-release"), 0600),
                    () -> fs.chown(GuestPath.of("/etc/os-release"), 1, 1))) {
                GuestFsException e = assertThrows(GuestFsException.class, write::run);
                assertEquals(Kind.READ_ONLY, e.kind(), e.getMessage());
            }
        }
        assertArrayEquals(before, sha256(qcow2), "a read-only open changed the image");
    }

    /** GPT: 1 = ext4 root (64 MiB at 1 MiB), 2 = XFS labelled "data" (320 MiB); then converted to qcow2. */
    private Path disk() throws Exception {
        Path tree = Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("bin"));
        Files.createDirectories(tree.resolve("usr/bin"));
        Files.createDirectories(tree.resolve("srv"));
        Files.writeString(tree.resolve("etc/fstab"), "LABEL=root / ext4 defaults 0 1\nLABEL=data /srv xfs defaults 0 2\n");
        Files.writeString(tree.resolve("etc/os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        Files.writeString(tree.resolve("etc/hostname"), "inspected\n");
        Path data = Files.writeString(dir.resolve("data.txt"), "on xfs\n");

        Path raw = dir.resolve("disk.raw");
        try (RandomAccessFile f = new RandomAccessFile(raw.toFile(), "rw")) {
            f.setLength(400 * MIB);
        }
        Path table = Files.writeString(dir.resolve("table"),
                "label: gpt\nstart=2048, size=131072, type=L\nstart=133120, size=655360, type=L\n");
        runOk("sh", "-c", "sfdisk -q " + raw + " < " + table);
        runOk("mke2fs", "-q", "-F", "-t", "ext4", "-L", "root", "-d", tree.toString(), "-E", "offset=" + MIB,
                raw.toString(), "65536");

        Path xfs = dir.resolve("xfs.img");
        try (RandomAccessFile f = new RandomAccessFile(xfs.toFile(), "rw")) {
            f.setLength(320 * MIB);
        }
        Path proto = Files.writeString(dir.resolve("proto"), String.join("\n", "/dev/null", "0 0", "d--755 0 0",
                "data.txt ---644 0 0 " + data, "$", ""));
        runOk("mkfs.xfs", "-q", "-L", "data", "-p", proto.toString(), xfs.toString());
        runOk("dd", "if=" + xfs, "of=" + raw, "bs=1M", "seek=65", "conv=notrunc,sparse", "status=none");

        Path qcow2 = dir.resolve("disk.qcow2");
        runOk("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        return qcow2;
    }

    private static byte[] sha256(Path file) throws Exception {
        return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file));
    }
}
