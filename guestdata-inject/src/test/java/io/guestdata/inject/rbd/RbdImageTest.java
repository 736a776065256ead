package io.guestdata.inject.rbd;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.CephTest;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.fs.Ext2Tools;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RbdImage} against the real test cluster ({@link CephCluster}): reads and writes through
 * librbd, and every check of a writable open (missing image, snapshot, watchers, lock, wrong key,
 * unreachable monitor, missing caps), each refusing before any byte is written.
 */
@CephTest
class RbdImageTest {

    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    private final CephCluster ceph = scratch.cluster();

    /** A fresh 8 MiB image (default features: layering, exclusive-lock, object-map, fast-diff, deep-flatten). */
    String image(String... extra) {
        String name = CephCluster.uniqueName("rbdimage");
        List<String> args = new ArrayList<>(List.of("create", "--size", "8M"));
        args.addAll(List.of(extra));
        args.add(ceph.pool() + "/" + name);
        ceph.rbdAdminOk(args.toArray(String[]::new));
        scratch.image(ceph.pool() + "/" + name);
        return name;
    }

    RbdTarget target(String image) {
        return new RbdTarget(ceph.pool(), "", image, Optional.of(ceph.user()), Optional.of(ceph.conf()),
                Optional.empty(), Optional.empty(), Map.of());
    }

    static final RbdImage.Settings FIVE_SECONDS = new RbdImage.Settings(Duration.ofSeconds(5));

    String exportSha256(String image) throws Exception {
        Path out = Files.createTempFile("rbd-export-", ".img");
        try {
            Files.delete(out);
            ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + image, out.toString());
            return Ext2Tools.runOk(List.of("sha256sum", out.toString())).stdout().split(" ")[0];
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void writesReachTheImageAndReadsSeeThem() throws Exception {
        String name = image();
        byte[] bytes = "written through librbd".getBytes(StandardCharsets.US_ASCII);
        try (RbdImage img = RbdImage.open(target(name), true, RbdImage.Settings.defaults())) {
            assertEquals(8L << 20, img.size());
            assertTrue(img.writable());
            assertEquals(Path.of("rbd:" + ceph.pool() + "/" + name), img.path());
            img.write(5L << 20, ByteBuffer.wrap(bytes));
            // more than the staging buffer in one call
            byte[] big = new byte[(4 << 20) + 4096];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            img.write(0, ByteBuffer.wrap(big));
            ByteBuffer back = ByteBuffer.allocate(big.length);
            img.read(0, back);
            assertArrayEquals(big, back.array());
            assertEquals(36, img.identity().fsid().length());
            assertTrue(img.identity().imageId().matches("[0-9a-f]+"), img.identity().imageId());
        }
        Path out = Files.createTempFile("rbd-export-", ".img");
        Files.delete(out);
        ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + name, out.toString());
        byte[] exported = Files.readAllBytes(out);
        Files.delete(out);
        assertArrayEquals(bytes, java.util.Arrays.copyOfRange(exported, 5 << 20, (5 << 20) + bytes.length));
        assertEquals((byte) 31, exported[1]);
        // read-only: reads, refuses writes
        try (RbdImage img = RbdImage.open(target(name), false, RbdImage.Settings.defaults())) {
            ByteBuffer b = ByteBuffer.allocate(bytes.length);
            img.read(5L << 20, b);
            assertArrayEquals(bytes, b.array());
            BlockException e = assertThrows(BlockException.class, () -> img.write(0, ByteBuffer.wrap(bytes)));
            assertTrue(e.getMessage().contains("opened read-only"), e.getMessage());
            assertThrows(io.guestdata.inject.block.OutOfBoundsException.class,
                    () -> img.read((8L << 20) - 1, ByteBuffer.allocate(2)));
        }
    }

    @Test
    void aMissingImageIsNamed() {
        BlockException e = assertThrows(BlockException.class,
                () -> RbdImage.open(target("no-such-image"), true, FIVE_SECONDS));
        assertEquals("rbd:" + ceph.pool() + "/no-such-image: no image " + ceph.pool() + "/no-such-image in pool "
                + ceph.pool(), e.getMessage());
    }

    @Test
    void aSnapshotIsRefused() throws Exception {
        String name = image();
        ceph.rbdAdminOk("snap", "create", ceph.pool() + "/" + name + "@s1");
        String before = exportSha256(name);
        BlockException e = assertThrows(BlockException.class,
                () -> RbdImage.open(target(name + "@s1"), true, FIVE_SECONDS));
        assertTrue(e.getMessage().contains("names a snapshot (" + name + "@s1)"), e.getMessage());
        assertEquals(before, exportSha256(name));
    }

    @Test
    void aDemotedMirrorImageIsRefused() throws Exception {
        String name = image();
        ceph.rbdAdminOk("mirror", "pool", "enable", ceph.pool(), "image");
        ceph.rbdAdminOk("mirror", "image", "enable", ceph.pool() + "/" + name, "snapshot");
        ceph.rbdAdminOk("mirror", "image", "demote", ceph.pool() + "/" + name);
        try {
            String before = exportSha256(name);
            BlockException e = assertThrows(BlockException.class,
                    () -> RbdImage.open(target(name), true, FIVE_SECONDS));
            assertTrue(e.getMessage().endsWith("is a non-primary mirror image, which is read-only; inject into the"
                    + " primary"), e.getMessage());
            assertEquals(before, exportSha256(name));
        } finally {
            ceph.rbdAdminOk("mirror", "image", "promote", "--force", ceph.pool() + "/" + name);
            ceph.rbdAdminOk("mirror", "image", "disable", "--force", ceph.pool() + "/" + name);
        }
    }

    @Test
    void neitherImageOfAMigrationIsWritten() throws Exception {
        String source = image();
        String destination = CephCluster.uniqueName("rbdmigrated");
        ceph.rbdAdminOk("migration", "prepare", ceph.pool() + "/" + source, ceph.pool() + "/" + destination);
        scratch.image(ceph.pool() + "/" + destination);
        try {
            // prepare moves the source into the pool's trash: its name is gone, and it cannot be opened
            BlockException gone = assertThrows(BlockException.class,
                    () -> RbdImage.open(target(source), true, FIVE_SECONDS));
            assertTrue(gone.getMessage().contains("no image"), gone.getMessage());
            // the destination reads through to the source until the migration is committed: read-only
            BlockException e = assertThrows(BlockException.class,
                    () -> RbdImage.open(target(destination), true, FIVE_SECONDS));
            assertTrue(e.getMessage().contains("is being migrated"), e.getMessage());
        } finally {
            ceph.rbdAdminOk("migration", "abort", "--no-progress", ceph.pool() + "/" + destination);
        }
    }

    @Test
    void anImageWithoutTheExclusiveLockFeatureIsRefused() throws Exception {
        String name = image("--image-feature", "layering");
        BlockException e = assertThrows(BlockException.class, () -> RbdImage.open(target(name), true, FIVE_SECONDS));
        assertTrue(e.getMessage().contains("has no exclusive-lock feature"), e.getMessage());
        assertTrue(e.getMessage().contains("rbd feature enable " + ceph.pool() + "/" + name + " exclusive-lock"),
                e.getMessage());
        // read-only needs no lock
        try (RbdImage img = RbdImage.open(target(name), false, FIVE_SECONDS)) {
            assertEquals(8L << 20, img.size());
        }
    }

    @Test
    void aWatchedImageIsRefusedNamingTheWatcherAndNothingIsWritten() throws Exception {
        String name = image();
        String before = exportSha256(name);
        Process holder = ceph.librbdClient(name, "hold");
        scratch.client(holder);
        String watchers = ceph.rbdAdminOk("status", ceph.pool() + "/" + name);
        ImageInUseException e = assertThrows(ImageInUseException.class,
                () -> RbdImage.open(target(name), true, FIVE_SECONDS));
        // rbd status prints "watcher=127.0.0.1:0/1234 client.4321 cookie=..."
        String address = watchers.lines().filter(l -> l.contains("watcher=")).findFirst().orElseThrow()
                .replaceAll(".*watcher=(\\S+) (client\\.\\d+).*", "$2 at $1");
        assertTrue(e.getMessage().contains("watched by " + address), e.getMessage() + " / " + watchers);
        // a read-only open (dry run) accepts the watcher
        try (RbdImage img = RbdImage.open(target(name), false, FIVE_SECONDS)) {
            assertEquals(8L << 20, img.size());
        }
        holder.getOutputStream().close();
        assertEquals(0, holder.waitFor(), "the holder's exit");
        assertEquals(before, exportSha256(name));
    }

    /** QEMU's own rbd driver (qemu-io, as a VM's QEMU opens its disk) holding the image: refused, nothing written. */
    @Test
    void anImageQemuHasOpenIsRefused() throws Exception {
        String name = image();
        String before = exportSha256(name);
        Process qemu = new ProcessBuilder("qemu-io", "-f", "raw", "rbd:" + ceph.pool() + "/" + name + ":id=" + ceph.user()
                + ":conf=" + ceph.conf()).redirectErrorStream(true).start();
        scratch.client(qemu);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!ceph.rbdAdminOk("status", ceph.pool() + "/" + name).contains("watcher=")) {
            assertTrue(qemu.isAlive() && System.nanoTime() < deadline, "qemu-io did not open the image: "
                    + (qemu.isAlive() ? "" : new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8)));
            Thread.sleep(200);
        }
        ImageInUseException e = assertThrows(ImageInUseException.class,
                () -> RbdImage.open(target(name), true, FIVE_SECONDS));
        assertTrue(e.getMessage().contains("is open elsewhere: watched by client."), e.getMessage());
        qemu.getOutputStream().write("quit\n".getBytes(StandardCharsets.US_ASCII));
        qemu.getOutputStream().flush();
        assertTrue(qemu.waitFor(20, TimeUnit.SECONDS));
        assertEquals(before, exportSha256(name));
        try (RbdImage img = RbdImage.open(target(name), true, FIVE_SECONDS)) {
            assertTrue(img.writable(), "free once QEMU has closed it");
        }
    }

    @Test
    void theLockIsHeldWhileOpenAndReleasedOnClose() throws Exception {
        String name = image();
        try (RbdImage img = RbdImage.open(target(name), true, FIVE_SECONDS)) {
            String lock = ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name);
            assertTrue(lock.contains("auto "), lock);
            // a second writer asking for the lock is refused, and the lock is not handed over
            Command.Result second = ceph.librbd(name, "lock");
            assertNotEquals(0, second.exit(), second.stdout() + second.stderr());
            assertTrue(second.stderr().contains("ReadOnlyImage") || second.stderr().contains("ImageBusy"),
                    second.stderr());
            Command.Result write = ceph.librbd(name, "write");
            assertNotEquals(0, write.exit(), write.stdout() + write.stderr());
            img.write(0, ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        assertEquals("", ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name).strip());
        Command.Result after = ceph.librbd(name, "lock");
        assertEquals(0, after.exit(), after.stderr());
    }

    /**
     * A JVM holding the image (watch and exclusive lock) killed with SIGKILL releases nothing; the
     * OSD expires its watch after osd_client_watch_timeout (30 s by default), and then the next
     * writable open sees no watcher, and librbd breaks the dead owner's lock (blocklisting it).
     * Measured, not timed: the bound only keeps a broken cluster from hanging the test.
     */
    @Test
    void aKilledHoldersLockIsBrokenOnceItsWatchExpires() throws Exception {
        String name = image();
        String java = ProcessHandle.current().info().command().orElse("java");
        Process holder = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp",
                System.getProperty("java.class.path"), RbdLockHolder.class.getName(), ceph.conf().toString(),
                ceph.user(), ceph.pool(), name).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        scratch.client(holder);
        String line = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))
                .readLine();
        assertTrue(line != null && line.startsWith("locked "), String.valueOf(line));
        assertTrue(ceph.rbdAdminOk("lock", "ls", ceph.pool() + "/" + name).contains("auto "));
        assertThrows(ImageInUseException.class, () -> RbdImage.open(target(name), true, FIVE_SECONDS).close());

        holder.destroyForcibly(); // SIGKILL
        assertTrue(holder.waitFor(10, TimeUnit.SECONDS));
        long killed = System.nanoTime();
        List<String> refusals = new ArrayList<>();
        RbdImage reopened = null;
        while (reopened == null) {
            try {
                reopened = RbdImage.open(target(name), true, FIVE_SECONDS);
            } catch (ImageInUseException e) {
                refusals.add(e.getMessage().contains("exclusive lock") ? "lock" : "watcher");
                assertTrue(System.nanoTime() - killed < TimeUnit.SECONDS.toNanos(180),
                        "still refused 180 s after the kill: " + e.getMessage());
                Thread.sleep(500);
            }
        }
        long ms = (System.nanoTime() - killed) / 1_000_000;
        try (RbdImage img = reopened) {
            img.write(0, ByteBuffer.wrap(new byte[] {7}));
        }
        System.out.println("RbdImageTest: after kill -9 of the holding JVM, a writable open (watchers checked, lock"
                + " taken) succeeded after " + ms + " ms; " + refusals.size() + " refusals before: "
                + refusals.stream().distinct().toList());
        assertTrue(refusals.contains("watcher"), "the dead holder's watch outlives it for a while: " + refusals);
    }

    @Test
    void aWrongKeyFailsFastNamingTheUser() throws Exception {
        String name = image();
        Path wrong = Files.createTempFile("wrong-", ".keyring");
        try {
            Files.writeString(wrong, "[client." + ceph.user() + "]\n\tkey = AQBzaW5nbGUtbm9kZS10ZXN0LXdyb25nLWtleQ==\n");
            RbdTarget t = new RbdTarget(ceph.pool(), "", name, Optional.of(ceph.user()), Optional.of(ceph.conf()),
                    Optional.of(wrong), Optional.empty(), Map.of());
            long start = System.nanoTime();
            BlockException e = assertThrows(BlockException.class, () -> RbdImage.open(t, true, FIVE_SECONDS));
            long ms = (System.nanoTime() - start) / 1_000_000;
            System.out.println("RbdImageTest: wrong key refused after " + ms + " ms: " + e.getMessage());
            assertTrue(e.getMessage().contains("cannot connect to the Ceph cluster (mon_host ")
                    && e.getMessage().contains(") as client." + ceph.user() + ": the monitors refused the session"
                    + " (rados_connect: EIO (Input/output error)); most often the keyring holds a wrong key for this"
                    + " user"), e.getMessage());
        } finally {
            Files.delete(wrong);
        }
    }

    @Test
    void anUnreachableMonitorFailsWithinTheTimeout() {
        RbdTarget t = new RbdTarget(ceph.pool(), "", "x", Optional.of(ceph.user()), Optional.of(ceph.conf()),
                Optional.empty(), Optional.of("127.0.0.1:1"), Map.of());
        long start = System.nanoTime();
        BlockException e = assertThrows(BlockException.class,
                () -> RbdImage.open(t, true, new RbdImage.Settings(Duration.ofSeconds(3))));
        long ms = (System.nanoTime() - start) / 1_000_000;
        System.out.println("RbdImageTest: unreachable monitor refused after " + ms + " ms: " + e.getMessage());
        assertEquals("rbd:" + ceph.pool() + "/x: cannot connect to the Ceph cluster (mon_host 127.0.0.1:1) as client."
                + ceph.user() + ": timed out after 3 s (rados_connect: ETIMEDOUT (Connection timed out)); are the"
                + " monitors up and reachable?", e.getMessage());
    }

    @Test
    void aPoolOutsideTheUsersCapsIsRefused() throws Exception {
        String other = CephCluster.uniqueName("other");
        assertEquals(0, ceph.cephAdmin("osd", "pool", "create", other, "8", "8").exit());
        try {
            ceph.cephAdmin("osd", "pool", "application", "enable", other, "rbd");
            ceph.rbdAdminOk("create", "--size", "8M", other + "/x");
            RbdTarget t = new RbdTarget(other, "", "x", Optional.of(ceph.user()), Optional.of(ceph.conf()),
                    Optional.empty(), Optional.empty(), Map.of());
            BlockException e = assertThrows(BlockException.class, () -> RbdImage.open(t, true, FIVE_SECONDS));
            assertTrue(e.getMessage().contains("client." + ceph.user() + " may not open images in pool " + other),
                    e.getMessage());
            assertTrue(e.getMessage().contains("EPERM"), e.getMessage());
        } finally {
            ceph.cephAdmin("osd", "pool", "delete", other, other, "--yes-i-really-really-mean-it");
        }
    }

    @Test
    void aMissingPoolIsNamed() {
        RbdTarget t = new RbdTarget("no-such-pool", "", "x", Optional.of(ceph.user()), Optional.of(ceph.conf()),
                Optional.empty(), Optional.empty(), Map.of());
        BlockException e = assertThrows(BlockException.class, () -> RbdImage.open(t, true, FIVE_SECONDS));
        assertTrue(e.getMessage().startsWith("rbd:no-such-pool/x: no pool no-such-pool in the cluster (mon_host "),
                e.getMessage());
    }

}
