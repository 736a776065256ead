package io.guestdata.inject.sandbox;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.FilesystemWindow;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.fs.WindowChange;

/**
 * Makes a pooled worker warm before it is offered: a few small injections (the calls a real one
 * makes: open read-only and look for the OS root, read the accounts, open writable, mkdir -p,
 * append, replace, chmod, chown, free space, close with its commit) through the real protocol, on
 * an ext4 image of its own that this process made with mke2fs and holds in memory. So the worker's
 * classes are loaded, libext2fs' paths and the FFM call sites linked and compiled, before a tenant's
 * image arrives; the tenant's injection then costs milliseconds. Nothing of a tenant is involved:
 * the image is ours, and every round writes into a fresh copy that is thrown away.
 */
final class Warmup {

    private static final long IMAGE_BYTES = 16L << 20;
    /**
     * Directories of ten small files each in the warm-up tree: enough inodes (1,100) that the census's
     * per-inode and per-directory code runs often enough in the warm-up rounds to be compiled before the
     * worker's real injection (a census of a real guest walks tens of thousands of inodes).
     */
    private static final int TREE_DIRECTORIES = 100;
    private static final GuestPath PASSWD = GuestPath.of("/etc/passwd");
    private static final GuestPath SHADOW = GuestPath.of("/etc/shadow");
    private static final GuestPath SSH = GuestPath.of("/root/.ssh");
    private static final GuestPath KEYS = GuestPath.of("/root/.ssh/authorized_keys");

    private final SandboxSettings settings;
    private volatile Optional<byte[]> image;
    private volatile String problem = "";

    Warmup(SandboxSettings settings) {
        this.settings = settings;
    }

    /** Runs the configured rounds in {@code worker}. */
    void run(WorkerProcess worker) throws GuestFsException {
        if (settings.warmupRounds() == 0) {
            return;
        }
        Optional<byte[]> base = image();
        if (base.isEmpty()) {
            return;
        }
        for (int i = 0; i < settings.warmupRounds(); i++) {
            round(worker, base.get());
        }
    }

    /** Why no warm-up image could be made (mke2fs missing or failing), or "". */
    String problem() {
        return problem;
    }

    private static void round(WorkerProcess worker, byte[] base) throws GuestFsException {
        MemoryWindow window = new MemoryWindow(base.clone());
        InstantSource clock = InstantSource.system();
        try (SandboxedFilesystem ro = SandboxedFilesystem.open(worker, window, OpenMode.READ_ONLY, clock)) {
            ro.exists(PASSWD);
            ro.exists(GuestPath.of("/sbin/init"));
            ro.stat(PASSWD);
        }
        SandboxedFilesystem.checkWritable(worker, window, clock);
        try (SandboxedFilesystem fs = SandboxedFilesystem.open(worker, window, OpenMode.READ_WRITE, clock)) {
            fs.read(PASSWD, 1 << 20, AccessPolicy.DEFAULT);
            fs.read(GuestPath.of("/etc/group"), 1 << 20, AccessPolicy.DEFAULT);
            fs.freeBytes();
            fs.freeInodes();
            fs.exists(SSH, AccessPolicy.STRICT);
            fs.makeDirectories(SSH, 0700, 0, 0, AccessPolicy.STRICT);
            fs.append(KEYS, "ssh-ed25519 AAAA warm-up\n".getBytes(StandardCharsets.UTF_8), AccessPolicy.STRICT);
            fs.chmod(KEYS, 0600, AccessPolicy.STRICT);
            fs.chown(KEYS, 0, 0, AccessPolicy.STRICT);
            fs.stat(KEYS, AccessPolicy.STRICT);
            byte[] shadow = fs.read(SHADOW, 1 << 20, AccessPolicy.STRICT);
            fs.replace(SHADOW, shadow, AccessPolicy.STRICT);
            fs.makeDirectories(GuestPath.of("/opt/warm/up"), 0755, 0, 0, AccessPolicy.DEFAULT);
            fs.replace(GuestPath.of("/opt/warm/up/file"), new byte[6000], AccessPolicy.DEFAULT);
        }
    }

    private Optional<byte[]> image() {
        Optional<byte[]> i = image;
        if (i == null) {
            synchronized (this) {
                i = image;
                if (i == null) {
                    i = make();
                    image = i;
                }
            }
        }
        return i;
    }

    /** A 16 MiB ext4 image (4 KiB blocks, as guest images have) with a skeleton root and 1,000 small files, made by mke2fs. */
    private Optional<byte[]> make() {
        Optional<Path> mke2fs = settings.searchPath().stream().map(d -> d.resolve("mke2fs"))
                .filter(Files::isExecutable).findFirst();
        if (mke2fs.isEmpty()) {
            problem = "mke2fs (Debian package e2fsprogs) was not found: workers are not warmed up";
            return Optional.empty();
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("guestdata-warmup");
            Path tree = Files.createDirectories(dir.resolve("tree"));
            Files.createDirectories(tree.resolve("etc"));
            Files.createDirectories(tree.resolve("sbin"));
            Files.createDirectories(tree.resolve("root"));
            Files.writeString(tree.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
            Files.writeString(tree.resolve("etc/group"), "root:x:0:\n");
            Files.writeString(tree.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
            Files.writeString(tree.resolve("sbin/init"), "");
            for (int d = 0; d < TREE_DIRECTORIES; d++) {
                Path dir2 = Files.createDirectories(tree.resolve("usr/share/d" + d));
                for (int f = 0; f < 10; f++) {
                    Files.writeString(dir2.resolve("f" + f), "warm-up file " + d + "/" + f + "\n");
                }
            }
            Path img = dir.resolve("warmup.img");
            Process p = new ProcessBuilder(mke2fs.get().toString(), "-q", "-F", "-t", "ext4", "-b", "4096", "-d",
                    tree.toString(), img.toString(), (IMAGE_BYTES >> 10) + "k")
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                problem = "mke2fs failed making the warm-up image (" + WorkerProtocol.printable(out.strip())
                        + "): workers are not warmed up";
                return Optional.empty();
            }
            return Optional.of(Files.readAllBytes(img));
        } catch (IOException e) {
            problem = "the warm-up image could not be made (" + e + "): workers are not warmed up";
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            problem = "interrupted while making the warm-up image";
            return Optional.empty();
        } finally {
            if (dir != null) {
                try (Stream<Path> all = Files.walk(dir)) {
                    all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                } catch (IOException ignored) {
                    // a temporary directory left behind is harmless
                }
            }
        }
    }

    /** A window over bytes in memory (the warm-up image's copy). */
    static final class MemoryWindow implements FilesystemWindow {
        private final byte[] bytes;

        MemoryWindow(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public long size() {
            return bytes.length;
        }

        @Override
        public void read(long position, ByteBuffer dst) throws IOException {
            if (position < 0 || position > bytes.length || dst.remaining() > bytes.length - position) {
                throw new IOException("a read of " + dst.remaining() + " bytes at " + position + " leaves the window");
            }
            dst.put(bytes, (int) position, dst.remaining());
        }

        @Override
        public void commit(List<WindowChange> changes) throws IOException {
            for (WindowChange c : changes) {
                if (c.end() > bytes.length) {
                    throw new IOException("a change at " + c.position() + " leaves the window");
                }
                System.arraycopy(c.bytes(), 0, bytes, (int) c.position(), c.bytes().length);
            }
        }

        @Override
        public String describe() {
            return "the warm-up image";
        }
    }
}
