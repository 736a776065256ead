package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.testkit.Command;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guestdata inject} into XFS through the guestfs backend, in-process, in two appliance
 * launches: a whole-disk raw XFS image with the default {@code --partition -1} (the ext probe
 * cannot look into XFS, so libguestfs' {@code inspect_os} finds the root), and partition 2 (XFS)
 * of a GPT disk in qcow2 beside an ext4 partition. Every item is written; the results are then read
 * from the image by {@code xfs_repair -n} and {@code xfs_db}, not by libguestfs. An image held by
 * another QEMU user is refused with exit 7 before any appliance starts.
 *
 * <p>The appliance runs as the environment says ({@code LIBGUESTFS_BACKEND_SETTINGS}), else
 * {@code direct} + {@code force_tcg}, handed to the command as its environment.
 */
@Tag("guestfs")
class GuestfsInjectCommandTest {
    private static final long MIB = 1 << 20;
    private static final String MARKER = "\n# The following ssh key was injected by Nova\nssh-ed25519 ";

    @TempDir
    Path tmp;

    private static Map<String, String> environment() {
        Map<String, String> env = new HashMap<>(System.getenv());
        if (!env.containsKey("LIBGUESTFS_BACKEND_SETTINGS")) {
            env.put("LIBGUESTFS_BACKEND", "direct");
            env.put("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        }
        return env;
    }

    private static Cli inject(Path image, String... extra) throws Exception {
        return inject(image.toString(), extra);
    }

    private static Cli inject(String image, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("inject", "--instance",
                CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(), "--image", image));
        args.addAll(List.of(extra));
        return Cli.run(environment(), args.toArray(String[]::new));
    }

    private static String ok(String... argv) throws Exception {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    private static Path sparse(Path file, long bytes) throws IOException {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(bytes);
        }
        return file;
    }

    /**
     * An XFS root made by {@code mkfs.xfs -p} (owners and modes as a distribution has them):
     * /etc/shadow 0640 root:shadow, /root 0700, /etc/netplan (so the native network file is written).
     */
    private Path xfsRoot(Path image, String label) throws Exception {
        Path passwd = Files.writeString(tmp.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Path shadow = Files.writeString(tmp.resolve("shadow"), "root:*:19000:0:99999:7:::\n");
        Path group = Files.writeString(tmp.resolve("group"), "root:x:0:\nshadow:x:42:\n");
        Path fstab = Files.writeString(tmp.resolve("fstab"), "LABEL=" + label + " / xfs defaults 0 1\n");
        Path osRelease = Files.writeString(tmp.resolve("os-release"), "ID=debian\nVERSION_ID=\"12\"\n");
        Path hosts = Files.writeString(tmp.resolve("hosts"), "127.0.0.1 localhost\n");
        Path init = Files.writeString(tmp.resolve("init"), "#!/bin/sh\n");
        Path proto = Files.writeString(tmp.resolve("proto"), String.join("\n",
                "/dev/null", "0 0", "d--755 0 0",
                "bin d--755 0 0", "$",
                "sbin d--755 0 0", "  init ---755 0 0 " + init, "$",
                "usr d--755 0 0", "  bin d--755 0 0", "  $", "$",
                "root d--700 0 0", "$",
                "etc d--755 0 0",
                "  passwd ---644 0 0 " + passwd,
                "  shadow ---640 0 42 " + shadow,
                "  group ---644 0 0 " + group,
                "  fstab ---644 0 0 " + fstab,
                "  hosts ---644 0 0 " + hosts,
                "  os-release ---644 0 0 " + osRelease,
                "  netplan d--755 0 0", "  $",
                "$", "$", ""));
        sparse(image, 320 * MIB); // mkfs.xfs wants 300 MiB at least; sparse
        ok("mkfs.xfs", "-q", "-L", label, "-p", proto.toString(), image.toString());
        return image;
    }

    /** What the guest holds after a full injection of instances/full.json, read by xfs_db. */
    private static void assertInjected(Path xfs) throws Exception {
        Command.Result repair = Tool.run(List.of("xfs_repair", "-n", xfs.toString()));
        assertEquals(0, repair.exit(), () -> "xfs_repair -n: " + repair.stdout() + repair.stderr());
        assertInode(xfs, "/root/.ssh", 040700, 0, 0);
        assertInode(xfs, "/root/.ssh/authorized_keys", 0100600, 0, 0);
        String keys = new String(content(xfs, "/root/.ssh/authorized_keys"), StandardCharsets.UTF_8);
        assertTrue(keys.startsWith(MARKER) && keys.contains("alice@example") && keys.contains("bob@example"), keys);
        assertInode(xfs, "/etc/network", 040744, 0, 0);
        assertInode(xfs, "/etc/network/interfaces", 0100644, 0, 0);
        assertTrue(new String(content(xfs, "/etc/network/interfaces"), StandardCharsets.UTF_8)
                .startsWith("# Injected by Nova on instance boot"));
        assertInode(xfs, "/etc/netplan/50-guestdata.yaml", 0100600, 0, 0);
        assertTrue(new String(content(xfs, "/etc/netplan/50-guestdata.yaml"), StandardCharsets.UTF_8)
                .contains("macaddress: \"fa:16:3e:00:00:01\""));
        assertInode(xfs, "/meta.js", 0100644, 0, 0);
        assertEquals("{\"role\": \"webservers\", \"essential\": \"false\", \"dsmode\": \"local\", \"with space\":"
                + " \"\\u00fcn\\u00efcode\"}", new String(content(xfs, "/meta.js"), StandardCharsets.UTF_8));
        assertInode(xfs, "/etc/shadow", 0100640, 0, 42);
        assertTrue(new String(content(xfs, "/etc/shadow"), StandardCharsets.UTF_8)
                .matches("root:\\$6\\$[a-zA-Z0-9./]{16}\\$[a-zA-Z0-9./]{86}:19000:0:99999:7:::\n"));
        assertInode(xfs, "/etc/guestdata", 040744, 0, 0);
        assertInode(xfs, "/etc/guestdata/hello.txt", 0100644, 0, 0);
        assertEquals("hello from guestdata\n", new String(content(xfs, "/etc/guestdata/hello.txt"), StandardCharsets.UTF_8));
        byte[] blob = new byte[256];
        for (int i = 0; i < blob.length; i++) {
            blob[i] = (byte) i;
        }
        assertInode(xfs, "/root/bin/blob", 0100644, 0, 0);
        assertArrayEquals(blob, content(xfs, "/root/bin/blob"));
    }

    @Test
    void wholeDiskXfsWithMinusOneIsInspectedByLibguestfs() throws Exception {
        Path image = xfsRoot(tmp.resolve("xfs.img"), "root");
        Cli r = inject(image, "--json");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        JsonNode report = new ObjectMapper().readTree(r.stdout());
        assertEquals("done", report.get("outcome").asText());
        assertEquals("guestfs", report.get("backend").asText());
        assertEquals("raw", report.get("format").asText());
        assertEquals("the OS root found by inspect_os: /dev/sda on /", report.get("target").asText());
        assertEquals(11, report.get("counts").get("written").asInt(), r.out());
        assertTrue(report.get("notes").get(0).asText().startsWith("partition -1: the whole disk (xfs) is inspected by"
                + " the guestfs backend"), r.out());
        assertInjected(image);
    }

    /**
     * The same XFS root in an RBD image of the test cluster: libguestfs reaches it through the NBD export
     * of the image guestdata holds under its lock; read back from {@code rbd export} by xfs_db.
     */
    @Test
    void anXfsRootInAnRbdImageIsInspectedAndWrittenThroughTheNbdExport() throws Exception {
        CephCluster ceph = CephCluster.shared();
        try (CephCluster.Scratch scratch = new CephCluster.Scratch()) {
            Path image = xfsRoot(tmp.resolve("xfs.img"), "root");
            String name = CephCluster.uniqueName("cli-xfs");
            ceph.rbdAdminOk("import", "--no-progress", image.toString(), ceph.pool() + "/" + name);
            scratch.image(ceph.pool() + "/" + name);
            Cli r = inject("rbd:" + ceph.pool() + "/" + name + ":id=" + ceph.user() + ":conf=" + ceph.conf(), "--json",
                    "--undo-dir", Files.createDirectories(tmp.resolve("undo")).toString());
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            JsonNode report = new ObjectMapper().readTree(r.stdout());
            assertEquals("done", report.get("outcome").asText());
            assertEquals("guestfs", report.get("backend").asText());
            assertEquals("rbd:" + ceph.pool() + "/" + name, report.get("image").asText());
            assertEquals("the OS root found by inspect_os: /dev/sda on /", report.get("target").asText());
            assertEquals(11, report.get("counts").get("written").asInt(), r.out());
            assertTrue(r.out().contains("NBD export on a private Unix socket"), r.out());
            assertInjected(RbdTestImages.exported(ceph, tmp, name, "exported"));
        }
    }

    @Test
    void partitionTwoOfAQcow2Disk() throws Exception {
        // GPT: 1 = ext4 (64 MiB at 1 MiB, no OS: a /boot), 2 = the XFS root (320 MiB); converted to qcow2
        Path raw = sparse(tmp.resolve("disk.raw"), 400 * MIB);
        Path table = Files.writeString(tmp.resolve("table"),
                "label: gpt\nstart=2048, size=131072, type=L\nstart=133120, size=655360, type=L\n");
        ok("sh", "-c", "sfdisk -q " + raw + " < " + table);
        Path boot = Files.createDirectories(tmp.resolve("boot"));
        Files.writeString(boot.resolve("vmlinuz"), "not a kernel\n");
        ok("mke2fs", "-q", "-F", "-t", "ext4", "-L", "boot", "-d", boot.toString(), "-E", "offset=" + MIB,
                raw.toString(), "65536");
        Path xfs = xfsRoot(tmp.resolve("root.xfs"), "root");
        ok("dd", "if=" + xfs, "of=" + raw, "bs=1M", "seek=65", "conv=notrunc,sparse", "status=none");
        Path qcow2 = tmp.resolve("disk.qcow2");
        ok("qemu-img", "convert", "-f", "raw", "-O", "qcow2", raw.toString(), qcow2.toString());

        Cli r = inject(qcow2, "--partition", "2");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        List<String> lines = r.out().lines().toList();
        assertEquals("inject: " + qcow2 + " (qcow2), partition 2 (xfs), backend guestfs", lines.get(0));
        assertEquals("done: 11 written", lines.getLast());

        Path after = tmp.resolve("after.raw");
        ok("qemu-img", "convert", "-f", "qcow2", "-O", "raw", qcow2.toString(), after.toString());
        Path root = tmp.resolve("after-root.xfs");
        ok("dd", "if=" + after, "of=" + root, "bs=1M", "skip=65", "count=320", "conv=sparse", "status=none");
        assertInjected(root);
        ok("e2fsck", "-fn", after + "?offset=" + MIB);
    }

    @Test
    void anImageInUseIsRefusedWithExitSevenBeforeAnyAppliance() throws Exception {
        Path image = xfsRoot(tmp.resolve("busy.img"), "root");
        String before = sha256(image);
        Path socket = tmp.resolve("nbd.sock");
        Process vm = new ProcessBuilder("qemu-storage-daemon",
                "--blockdev", "{\"driver\":\"file\",\"filename\":\"" + image + "\",\"node-name\":\"f\"}",
                "--blockdev", "{\"driver\":\"raw\",\"file\":\"f\",\"node-name\":\"img\"}",
                "--nbd-server", "addr.type=unix,addr.path=" + socket,
                "--export", "type=nbd,id=e,node-name=img,name=disk,writable=on")
                .redirectErrorStream(true).redirectOutput(tmp.resolve("vm.log").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!Files.exists(socket) && vm.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(Files.exists(socket), "qemu-storage-daemon did not start");
            long start = System.nanoTime();
            Cli r = inject(image);
            assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
            assertTrue(r.stderr().startsWith("guestdata: " + image + ": image is in use"), r.stderr());
            Cli d = inject(image, "--dry-run");
            assertEquals(ExitCode.IMAGE, d.exitCode(), d.toString());
            assertTrue(d.stderr().contains("holds a lock on it; a real run would be refused"), d.stderr());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10), "no appliance was started");
        } finally {
            vm.destroy();
            vm.waitFor(10, TimeUnit.SECONDS);
        }
        assertEquals(before, sha256(image));
    }

    // --- xfs_db: reading the image itself ------------------------------------------------------

    private static final Pattern FIELD = Pattern.compile("^(\\S+) = (.*)$", Pattern.MULTILINE);
    private static final Pattern EXTENT = Pattern.compile(
            "data offset (\\d+) startblock \\d+ \\((\\d+)/(\\d+)\\) count (\\d+) flag (\\d)");

    private static Map<String, String> fields(String out) {
        Map<String, String> fields = new LinkedHashMap<>();
        Matcher m = FIELD.matcher(out);
        while (m.find()) {
            fields.put(m.group(1), m.group(2).strip());
        }
        return fields;
    }

    private static Map<String, String> inode(Path image, String path) throws Exception {
        Command.Result r = Tool.run(List.of("xfs_db", "-r", "-c", "path " + path, "-c",
                "print core.mode core.uid core.gid core.size", image.toString()));
        assertTrue(r.exit() == 0 && !r.stderr().contains("No such file"), () -> path + ": " + r.stderr());
        return fields(r.stdout());
    }

    private static void assertInode(Path image, String path, int mode, int uid, int gid) throws Exception {
        Map<String, String> f = inode(image, path);
        assertEquals(List.of(Integer.toOctalString(mode), uid, gid), List.of(
                Integer.toOctalString(Integer.parseInt(f.get("core.mode"), 8)),
                Integer.parseInt(f.get("core.uid")), Integer.parseInt(f.get("core.gid"))), path);
    }

    /** A regular file's bytes, read from the image at the extents xfs_db's bmap gives. */
    private static byte[] content(Path image, String path) throws Exception {
        Map<String, String> sb = fields(ok("xfs_db", "-r", "-c", "sb 0", "-c", "print blocksize agblocks", image.toString()));
        long blockSize = Long.parseLong(sb.get("blocksize"));
        long agBlocks = Long.parseLong(sb.get("agblocks"));
        long size = Long.parseLong(inode(image, path).get("core.size"));
        byte[] content = new byte[Math.toIntExact(size)];
        Matcher m = EXTENT.matcher(ok("xfs_db", "-r", "-c", "path " + path, "-c", "bmap", image.toString()));
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            while (m.find()) {
                long fileBlock = Long.parseLong(m.group(1));
                long disk = (Long.parseLong(m.group(2)) * agBlocks + Long.parseLong(m.group(3))) * blockSize;
                long count = Long.parseLong(m.group(4));
                if (!m.group(5).equals("0")) {
                    continue; // unwritten: zeros
                }
                for (long b = 0; b < count; b++) {
                    long at = (fileBlock + b) * blockSize;
                    if (at < size) {
                        file.seek(disk + b * blockSize);
                        file.readFully(content, (int) at, (int) Math.min(blockSize, size - at));
                    }
                }
            }
        }
        return content;
    }

    private static String sha256(Path file) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
    }
}
