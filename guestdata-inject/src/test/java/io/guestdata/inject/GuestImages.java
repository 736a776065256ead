package io.guestdata.inject;

import io.guestdata.testkit.Command;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Tools;
import io.guestdata.testkit.Command.Result;
import io.guestdata.inject.fs.Ext2Tools.Stat;
import io.guestdata.testkit.DebianPython;
import io.guestdata.testkit.Sha256;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Guest disk images made by the real tools (mke2fs -d, sfdisk, sgdisk, qemu-img) from a skeleton
 * guest tree, and read back by the real tools (debugfs, e2fsck).
 */
final class GuestImages {

    /** Injection options that keep everything a run leaves under {@code dir}: the daemons' folders and the undo journal. */
    static InjectionOptions options(Path dir) {
        return InjectionOptions.defaults().withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir))
                .withUndoDirectory(dir.resolve("undo"));
    }

    static final String PASSWD = "root:x:0:0:root:/root:/bin/bash\n"
            + "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"
            + "alice:x:1000:1000:Alice,,,:/home/alice:/bin/bash\n";
    static final String SHADOW = "root:*:19000:0:99999:7:::\n"
            + "daemon:*:19000:0:99999:7:::\n"
            + "alice:!:19000:0:99999:7:::\n";
    static final String GROUP = "root:x:0:\ndaemon:x:1:\nshadow:x:42:\nalice:x:1000:\n";

    private GuestImages() {
    }

    /** Output of a finished process (one definition for the inject tests: {@link Command.Result}). */
    static Result run(List<String> command) {
        return Ext2Tools.run(command);
    }

    static Result run(List<String> command, String stdin) {
        return Ext2Tools.run(command, stdin);
    }

    static Result runOk(String... command) {
        return runOk(List.of(command), null);
    }

    static Result runOk(List<String> command, String stdin) {
        Result r = run(command, stdin);
        if (r.exit() != 0) {
            throw new AssertionError(command + " exited " + r.exit() + "\n" + r.stdout() + r.stderr());
        }
        return r;
    }

    // --- guest trees ----------------------------------------------------------------------

    /** A minimal Debian-like root: accounts, os-release, sbin/init, root/ 0700, home/alice. */
    static Path skeleton(Path dir) {
        try {
            Path t = dir.resolve("tree");
            Files.createDirectories(t.resolve("etc"));
            Files.createDirectories(t.resolve("sbin"));
            Files.createDirectories(t.resolve("home/alice"));
            Files.createDirectories(t.resolve("root"));
            Files.setPosixFilePermissions(t.resolve("root"), PosixFilePermissions.fromString("rwx------"));
            write(t, "etc/passwd", PASSWD, "rw-r--r--");
            write(t, "etc/shadow", SHADOW, "rw-r-----");
            write(t, "etc/group", GROUP, "rw-r--r--");
            write(t, "etc/os-release", "PRETTY_NAME=\"Skeleton GNU/Linux\"\nID=skeleton\n", "rw-r--r--");
            write(t, "sbin/init", "#!/bin/sh\n", "rwxr-xr-x");
            return t;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Path write(Path tree, String relative, String content, String perms) throws IOException {
        Path p = tree.resolve(relative);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(perms));
        return p;
    }

    static void mkdirs(Path tree, String... relative) throws IOException {
        for (String r : relative) {
            Files.createDirectories(tree.resolve(r));
        }
    }

    // --- images ---------------------------------------------------------------------------

    /** A sparse file of {@code bytes}. */
    static Path sparse(Path image, long bytes) {
        try {
            Files.deleteIfExists(image);
            try (RandomAccessFile raf = new RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(bytes);
            }
            return image;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A whole-disk ext filesystem (partition 0) of {@code sizeMiB}. */
    static Path wholeDisk(Path dir, String name, Path tree, long sizeMiB, String... options) {
        Path img = dir.resolve(name);
        sparse(img, sizeMiB << 20);
        Ext2Tools.mke2fs(img, 0, sizeMiB << 10, tree, options);
        return img;
    }

    /**
     * An MBR disk of 64 MiB: partition 1 from sector 2048 (16 MiB), partition 2 after it (rest);
     * each given tree (null: leave unformatted) becomes an ext4 filesystem.
     */
    static Path mbrDisk(Path dir, String name, Path tree1, Path tree2) {
        Path img = sparse(dir.resolve(name), 64L << 20);
        runOk(List.of("sfdisk", "-q", img.toString()), "label: dos\nstart=2048, size=32768, type=83\nstart=34816, type=83\n");
        if (tree1 != null) {
            Ext2Tools.mke2fs(img, 2048L * 512, 32768 / 2, tree1, "-t", "ext4");
        }
        if (tree2 != null) {
            Ext2Tools.mke2fs(img, 34816L * 512, (131072 - 34816) / 2, tree2, "-t", "ext4");
        }
        return img;
    }

    /** A GPT disk of 64 MiB: partition 1 (8 MiB, EFI-ish, left empty), partition 2 ext4 with the tree. */
    static Path gptDisk(Path dir, String name, Path tree) {
        Path img = sparse(dir.resolve(name), 64L << 20);
        runOk("sgdisk", "-n", "1:2048:+8M", "-t", "1:ef00", "-n", "2:0:0", "-t", "2:8300", img.toString());
        String info = runOk("sgdisk", "-i", "2", img.toString()).stdout();
        Matcher first = Pattern.compile("First sector: (\\d+)").matcher(info);
        Matcher last = Pattern.compile("Last sector: (\\d+)").matcher(info);
        if (!first.find() || !last.find()) {
            throw new AssertionError("sgdisk -i 2: " + info);
        }
        long start = Long.parseLong(first.group(1));
        long sectors = Long.parseLong(last.group(1)) - start + 1;
        Ext2Tools.mke2fs(img, start * 512, sectors / 2, tree, "-t", "ext4");
        return img;
    }

    /** Byte offset of GPT partition 2 of an image made by {@link #gptDisk}. */
    static long gptPartition2Offset(Path img) {
        String info = runOk("sgdisk", "-i", "2", img.toString()).stdout();
        Matcher first = Pattern.compile("First sector: (\\d+)").matcher(info);
        if (!first.find()) {
            throw new AssertionError(info);
        }
        return Long.parseLong(first.group(1)) * 512;
    }

    static Path toQcow2(Path raw, Path qcow2) {
        runOk("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());
        return qcow2;
    }

    static Path toRaw(Path qcow2, Path raw) {
        runOk("qemu-img", "convert", "-q", "-f", "qcow2", "-O", "raw", qcow2.toString(), raw.toString());
        return raw;
    }

    // --- reading back ---------------------------------------------------------------------

    static String device(Path image, long offset) {
        return Ext2Tools.device(image, offset);
    }

    static void assertClean(Path image, long offset) {
        Result r = run(List.of("e2fsck", "-fn", device(image, offset)));
        assertEquals(0, r.exit(), () -> "e2fsck -fn " + device(image, offset) + " is not clean:\n" + r.stdout() + r.stderr());
    }

    static Result debugfs(Path image, long offset, String request) {
        return Ext2Tools.debugfs(image, offset, request);
    }

    /** {@code debugfs -w -R request}: for preparing hostile or damaged images. */
    static void debugfsWrite(Path image, long offset, String... requests) {
        for (String request : requests) {
            Result r = run(List.of("debugfs", "-w", "-R", request, device(image, offset)));
            if (r.exit() != 0 || r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
                throw new AssertionError("debugfs -w -R '" + request + "': " + r.stdout() + r.stderr());
            }
        }
    }

    /** {@code debugfs stat}, or null when the path does not exist. */
    static Stat stat(Path image, long offset, String path) {
        return Ext2Tools.stat(image, offset, path);
    }

    /** {@code debugfs cat path} as text. */
    static String cat(Path image, long offset, String path) {
        Result r = debugfs(image, offset, "cat \"" + path + "\"");
        if (r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
            throw new AssertionError("debugfs cat " + path + ": " + r.stderr());
        }
        return r.stdout();
    }

    /** Asserts type, mode, owner and content of a guest path. */
    static void assertFile(Path image, long offset, String path, int mode, long uid, long gid, String content) {
        Stat s = stat(image, offset, path);
        if (s == null) {
            throw new AssertionError(path + " does not exist in " + image);
        }
        assertEquals("regular", s.type(), path);
        assertEquals(String.format("%04o", mode), String.format("%04o", s.mode()), path + " mode");
        assertEquals(uid + ":" + gid, s.uid() + ":" + s.gid(), path + " owner");
        if (content != null) {
            assertEquals(content, cat(image, offset, path), path + " content");
        }
    }

    static void assertDirectory(Path image, long offset, String path, int mode, long uid, long gid) {
        Stat s = stat(image, offset, path);
        if (s == null) {
            throw new AssertionError(path + " does not exist in " + image);
        }
        assertEquals("directory", s.type(), path);
        assertEquals(String.format("%04o", mode), String.format("%04o", s.mode()), path + " mode");
        assertEquals(uid + ":" + gid, s.uid() + ":" + s.gid(), path + " owner");
    }

    static String sha256(Path file) {
        return Sha256.hex(file);
    }

    /** Whether Python's crypt (glibc crypt(3)) accepts {@code password} for {@code hash}. */
    static boolean cryptVerifies(String password, String hash) {
        Result r = run(List.of(DebianPython.PATH, "-W", "ignore", "-c",
                "import crypt,sys; print(crypt.crypt(sys.argv[1], sys.argv[2]) == sys.argv[2])", password, hash));
        if (r.exit() != 0) {
            throw new AssertionError("python3 crypt: " + r.stderr());
        }
        return r.stdout().strip().equals("True");
    }
}
