package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** qcow2 and network (NBD) images written through a real qemu-storage-daemon FUSE export. */
@SuppressWarnings("try") // resources held only for their effect (a running NBD server)
class QemuStorageExportTest {
    static final byte[] HELLO = "hello from guestdata".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;
    Path tempRoot;
    DiskImage.Options options;

    @BeforeEach
    void settings() throws Exception {
        tempRoot = Files.createDirectory(dir.resolve("tmp"));
        options = DiskImage.Options.writableAuto().withExport(QemuStorageExport.Settings.defaults().withTempRoot(tempRoot));
    }

    @AfterEach
    void nothingLeftRunningOrMounted() throws Exception {
        assertEquals(List.of(), Tools.processesMentioning(tempRoot.toString()), "a qemu-storage-daemon was left running");
        try (Stream<Path> left = Files.list(tempRoot)) {
            assertEquals(List.of(), left.toList(), "an export directory was left behind");
        }
    }

    @Test
    void bytesWrittenThroughTheExportLandInTheQcow2() throws Exception {
        Path img = dir.resolve("disk.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "64M");
        long pid;
        Path workDir;
        try (DiskImage disk = DiskImage.open(img, options)) {
            assertEquals(ImageFormat.QCOW2, disk.format());
            QemuStorageExport export = disk.export().orElseThrow();
            pid = export.pid();
            workDir = export.workDir();
            assertEquals(Long.toString(pid), Files.readString(export.pidFile()).strip());
            assertEquals(export.exportFile(), disk.path());
            assertEquals(64L << 20, disk.size());
            disk.write(0, ByteBuffer.wrap(HELLO));
            disk.write(40L << 20, ByteBuffer.wrap(HELLO));
            PartitionView p = disk.slice(1, 1 << 20, 1 << 20);
            assertThrows(OutOfBoundsException.class, () -> p.write((1 << 20) - 1, ByteBuffer.wrap(HELLO)));
            ByteBuffer back = ByteBuffer.allocate(HELLO.length);
            disk.read(40L << 20, back);
            assertArrayEquals(HELLO, back.array());
        }
        assertFalse(Tools.alive(pid), "daemon " + pid + " still running after close");
        assertFalse(Files.exists(workDir));
        assertFalse(MountTable.isMounted(workDir.resolve("export")));
        Path raw = dir.resolve("converted.raw");
        Tools.run(null, "qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
        assertArrayEquals(HELLO, Tools.peek(raw, 0, HELLO.length));
        assertArrayEquals(HELLO, Tools.peek(raw, 40L << 20, HELLO.length));
        Tools.run(null, "qemu-img", "check", "-q", img.toString());
    }

    @Test
    void partitionsAndFilesystemsAreReadThroughTheExport() throws Exception {
        Path raw = Tools.rawImage(dir, "src.raw", 64);
        Tools.sfdisk(raw, MbrPartitionTableTest.THREE_PRIMARIES_TWO_LOGICALS);
        PartitionTable direct;
        try (RawImage d = RawImage.openReadOnly(raw)) {
            direct = PartitionTable.read(d);
        }
        Partition p5 = direct.partition(5).orElseThrow();
        Tools.mkfsExt("ext4", raw, p5.start(), p5.length());
        Path img = dir.resolve("disk.qcow2");
        Tools.run(null, "qemu-img", "convert", "-O", "qcow2", raw.toString(), img.toString());
        try (DiskImage disk = DiskImage.open(img, options.withWritable(false))) {
            assertEquals(direct, PartitionTable.read(disk));
            PartitionView root = InjectPartition.of(-1).select(disk, InjectPartitionTest.LINUX_FS);
            assertEquals(5, root.number());
            assertEquals(FilesystemType.EXT4, FilesystemType.probe(root));
            assertEquals(disk.export().orElseThrow().exportFile(), root.path());
            assertEquals(p5.start(), root.offset());
            assertThrows(BlockException.class, () -> disk.write(0, ByteBuffer.allocate(1)), "read-only export");
        }
    }

    @Test
    void anOverlayIsWrittenAndItsBackingFileLeftAlone() throws Exception {
        Path baseDir = Files.createDirectory(dir.resolve("_base"));
        Path base = Tools.rawImage(baseDir, "base.raw", 32);
        Tools.poke(base, 4096, "base data".getBytes(StandardCharsets.US_ASCII));
        Path overlay = dir.resolve("overlay.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-b", base.toString(), "-F", "raw", overlay.toString());
        byte[] baseBefore = Files.readAllBytes(base);
        DiskImage.Options withBase = options.withBackingFiles(BackingFilePolicy.below(List.of(baseDir), "--base-image-dir"));
        try (DiskImage disk = DiskImage.open(overlay, withBase)) {
            assertArrayEquals("base data".getBytes(StandardCharsets.US_ASCII), disk.readBytes(4096, 9).array());
            disk.write(8192, ByteBuffer.wrap(HELLO));
        }
        assertArrayEquals(baseBefore, Files.readAllBytes(base), "the backing file must not change");
        Path raw = dir.resolve("flat.raw");
        Tools.run(null, "qemu-img", "convert", "-O", "raw", overlay.toString(), raw.toString());
        assertArrayEquals(HELLO, Tools.peek(raw, 8192, HELLO.length));

        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(overlay, options));
        assertTrue(e.getMessage().startsWith(overlay + ": names the backing file '" + base + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("--base-image-dir"), e.getMessage());
    }

    @Test
    void theDaemonIsGivenEveryFileOfTheChainAndFollowsNoNameOfItsOwn() throws Exception {
        Path baseDir = Files.createDirectory(dir.resolve("_base"));
        Path base = Tools.rawImage(baseDir, "base.raw", 16);
        Path mid = baseDir.resolve("mid.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "base.raw", "-F", "raw", mid.toString());
        Path top = dir.resolve("top.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-b", mid.toString(), "-F", "qcow2", top.toString());
        Path standalone = dir.resolve("alone.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", standalone.toString(), "16M");
        DiskImage.Options withBase = options.withBackingFiles(BackingFilePolicy.below(List.of(baseDir), "--base-image-dir"));

        List<String> blockdevs = blockdevsOf(top, withBase);
        assertEquals(6, blockdevs.size(), blockdevs.toString());
        List<String> files = new java.util.ArrayList<>();
        for (String b : blockdevs) {
            com.fasterxml.jackson.databind.JsonNode n = Tools.JSON.readTree(b);
            if (n.has("filename")) {
                boolean theImage = n.get("filename").asText().equals(top.toAbsolutePath().toString());
                assertEquals(!theImage, n.get("read-only").asBoolean(), "backing files are read-only: " + b);
                files.add(n.get("filename").asText());
            }
        }
        assertEquals(List.of(base.toRealPath().toString(), mid.toRealPath().toString(), top.toAbsolutePath().toString()),
                files);
        List<String> formats = blockdevs.stream().filter(b -> !b.contains("\"filename\"")).toList();
        assertEquals("{\"driver\":\"raw\",\"file\":\"file2\",\"node-name\":\"fmt2\",\"read-only\":true}", formats.get(0));
        assertEquals("{\"driver\":\"qcow2\",\"file\":\"file1\",\"node-name\":\"fmt1\",\"read-only\":true,"
                + "\"backing\":\"fmt2\"}", formats.get(1));
        assertEquals("{\"driver\":\"qcow2\",\"file\":\"file0\",\"node-name\":\"fmt0\",\"read-only\":false,"
                + "\"backing\":\"fmt1\"}", formats.get(2));
        assertTrue(blockdevs.stream().noneMatch(b -> b.contains("data-file")));

        List<String> alone = blockdevsOf(standalone, options);
        assertEquals("{\"driver\":\"qcow2\",\"file\":\"file0\",\"node-name\":\"fmt0\",\"read-only\":false,"
                + "\"backing\":null}", alone.get(1));
    }

    /** The --blockdev arguments of the daemon serving {@code image}, from its command line. */
    private static List<String> blockdevsOf(Path image, DiskImage.Options options) throws Exception {
        try (DiskImage disk = DiskImage.open(image, options)) {
            String[] argv = new String(Files.readAllBytes(Path.of("/proc", Long.toString(disk.export().orElseThrow().pid()),
                    "cmdline")), StandardCharsets.UTF_8).split("\0");
            List<String> out = new java.util.ArrayList<>();
            for (int i = 0; i + 1 < argv.length; i++) {
                if (argv[i].equals("--blockdev")) {
                    out.add(argv[i + 1]);
                }
            }
            return out;
        }
    }

    @Test
    void aBackingFileThatIsNotARegularFileIsRefused() throws Exception {
        Path overlay = dir.resolve("hostile.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "/dev/zero", "-F", "raw", overlay.toString(), "16M");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(overlay, options));
        assertTrue(e.getMessage().contains("names the backing file '/dev/zero'"), e.getMessage());
        assertTrue(e.getMessage().contains("under /proc, /dev or /sys"), e.getMessage());
    }

    @Test
    void aMissingBackingFileIsRefused() throws Exception {
        Path overlay = dir.resolve("orphan.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "gone.raw", "-F", "raw", overlay.toString(), "16M");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(overlay,
                options.withBackingFiles(BackingFilePolicy.below(List.of(dir), "--base-image-dir"))));
        assertTrue(e.getMessage().contains("names the backing file 'gone.raw'"), e.getMessage());
        assertTrue(e.getMessage().contains("which does not exist"), e.getMessage());
    }

    /**
     * An AES qcow2 made by the real tool, and the same header with crypt_method 2 (LUKS); a real
     * LUKS qcow2 (qemu-img needs {@code encrypt.iter-time} here) is in {@link ImageInspectorTest}.
     */
    @Test
    void anEncryptedQcow2IsRefusedWithAClearMessage() throws Exception {
        Path img = dir.resolve("secret.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "--object", "secret,id=sec0,data=123456", "-f", "qcow2",
                "-o", "encrypt.format=aes,encrypt.key-secret=sec0", img.toString(), "16M");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(img, options));
        assertTrue(e.getMessage().startsWith(img + ": is an encrypted qcow2 (AES); guestdata takes no keys"), e.getMessage());
        assertThrows(ImageFormatException.class, () -> DiskImage.open(img, options.withWritable(false)));
        Tools.poke(img, 32, new byte[] {0, 0, 0, 2});
        e = assertThrows(ImageFormatException.class, () -> DiskImage.open(img, options));
        assertTrue(e.getMessage().startsWith(img + ": is an encrypted qcow2 (LUKS)"), e.getMessage());
    }

    @Test
    void aQcow2MarkedCorruptIsRefused() throws Exception {
        Path img = dir.resolve("corrupt.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        Tools.poke(img, 79, new byte[] {2}); // incompatible_features bit 1: corrupt
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(img, options));
        assertTrue(e.getMessage().contains("qemu-img check -r all"), e.getMessage());
    }

    @Test
    void theFormatComesFromTheMagicNotTheName() throws Exception {
        Path qcow2NamedRaw = dir.resolve("disk.raw");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", qcow2NamedRaw.toString(), "16M");
        ImageFormatException e = assertThrows(ImageFormatException.class,
                () -> DiskImage.open(qcow2NamedRaw, options.withFormat(ImageFormat.fromOption("raw"))));
        assertTrue(e.getMessage().contains("is a qcow2 image (by its magic bytes), but raw was asked for"), e.getMessage());
        try (DiskImage d = DiskImage.open(qcow2NamedRaw, options.withFormat(ImageFormat.fromOption("auto")))) {
            assertEquals(ImageFormat.QCOW2, d.format());
        }
        Path rawNamedQcow2 = Tools.rawImage(dir, "disk.qcow2", 4);
        try (DiskImage d = DiskImage.open(rawNamedQcow2, options)) {
            assertEquals(ImageFormat.RAW, d.format());
            assertEquals(Optional.empty(), d.export());
            assertEquals(rawNamedQcow2, d.path());
        }
        assertThrows(ImageFormatException.class,
                () -> DiskImage.open(rawNamedQcow2, options.withFormat(ImageFormat.fromOption("qcow2"))));
    }

    @Test
    void anNbdDeviceIsExportedAndWrittenLikeAnyOther() throws Exception {
        Path target = Tools.rawImage(dir, "remote.raw", 16);
        Path socket = dir.resolve("nbd.sock");
        long pid;
        try (BackgroundDaemon server = BackgroundDaemon.nbdServer(dir, target, "raw", socket)) {
            String blockdev = "{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"" + socket + "\"},\"export\":\"disk\"}";
            try (DiskImage disk = DiskImage.openBlockdev(blockdev, options)) {
                pid = disk.export().orElseThrow().pid();
                assertEquals(16L << 20, disk.size());
                disk.write(12345, ByteBuffer.wrap(HELLO));
            }
            assertFalse(Tools.alive(pid));
        }
        assertArrayEquals(HELLO, Tools.peek(target, 12345, HELLO.length));
    }

    @Test
    void aDaemonThatCannotStartReportsItsOwnErrorAndLeavesNothing() throws Exception {
        String blockdev = "{\"driver\":\"nbd\",\"server\":{\"type\":\"unix\",\"path\":\"" + dir.resolve("nobody.sock") + "\"}}";
        QemuExportException e = assertThrows(QemuExportException.class, () -> DiskImage.openBlockdev(blockdev, options));
        assertTrue(e.getMessage().startsWith("(network block device): qemu-storage-daemon exited with status 1 before the"
                + " export was ready: "), e.getMessage());
        assertTrue(e.getMessage().contains("nobody.sock"), e.getMessage());
    }

    @Test
    void aDaemonNotReadyInTimeIsStoppedAndReported() throws Exception {
        Path img = dir.resolve("slow.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        QemuExportException e = assertThrows(QemuExportException.class, () -> DiskImage.open(img,
                options.withExport(options.export().withStartTimeout(java.time.Duration.ofNanos(1)))));
        assertTrue(e.getMessage().contains("qemu-storage-daemon did not make the export ready within 0 ms"), e.getMessage());
        try (DiskImage again = DiskImage.open(img, options)) {
            assertEquals(16L << 20, again.size()); // and the image was released
        }
    }

    @Test
    void aBlockdevThatIsNotAJsonObjectIsRefused() {
        assertThrows(ImageFormatException.class, () -> DiskImage.openBlockdev("driver=nbd", options));
        assertThrows(ImageFormatException.class, () -> DiskImage.openBlockdev("[1]", options));
        assertThrows(ImageFormatException.class, () -> DiskImage.openBlockdev("{\"pool\":\"x\"}", options));
    }

    @Test
    void otherQemuFormatsAreDetectedByMagicAndExported() throws Exception {
        for (String fmt : List.of("vmdk", "vdi", "vhdx", "qed", "vpc")) {
            Path img = dir.resolve("disk." + fmt);
            Tools.run(null, "qemu-img", "create", "-q", "-f", fmt, img.toString(), "8M");
            assertEquals(fmt, ImageFormat.detect(img).qemuName());
            try (DiskImage disk = DiskImage.open(img, options)) {
                disk.write(1024, ByteBuffer.wrap(HELLO));
            }
            Path raw = dir.resolve(fmt + ".raw");
            Tools.run(null, "qemu-img", "convert", "-O", "raw", img.toString(), raw.toString());
            assertArrayEquals(HELLO, Tools.peek(raw, 1024, HELLO.length), fmt);
        }
    }

    @Test
    void aVmdkWhoseExtentIsAnotherFileIsRefused() throws Exception {
        Path img = dir.resolve("split.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=monolithicFlat", img.toString(), "8M");
        ImageFormatException e = assertThrows(ImageFormatException.class, () -> DiskImage.open(img, options));
        assertTrue(e.getMessage().contains("is a VMDK descriptor file"), e.getMessage());
    }
}
