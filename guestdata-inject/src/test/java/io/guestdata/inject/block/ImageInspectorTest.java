package io.guestdata.inject.block;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The format inspector on images made by the real qemu-img (and hostile variants of them, made by
 * changing header bytes): what it refuses, with which message, and the chains it admits. Nothing
 * here starts QEMU; a file the image names is never opened (a FIFO would hang the test).
 */
@ToolTest
class ImageInspectorTest {
    @TempDir
    Path dir;
    Path base;
    BackingFilePolicy withBase;

    @BeforeEach
    void baseDir() throws Exception {
        base = Files.createDirectory(dir.resolve("_base"));
        withBase = BackingFilePolicy.below(List.of(base), "--base-image-dir");
    }

    static BackingChain inspect(Path image, BackingFilePolicy policy) throws BlockException {
        return ImageInspector.inspect(image, Optional.empty(), policy);
    }

    ImageFormatException refused(Path image, BackingFilePolicy policy) {
        return assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(ImageFormatException.class, () -> inspect(image, policy)),
                "the inspection blocked: it opened a FIFO the image names");
    }

    Path overlay(String name, String backing, String backingFormat) {
        Path p = dir.resolve(name);
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", backing, "-F", backingFormat,
                p.toString(), "16M");
        return p;
    }

    static void assertMentions(Exception e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    // ---- backing files outside the policy ----

    @Test
    void aSecretHostFileAsBackingFileIsRefusedByDefaultAndOutsideTheBaseDir() throws Exception {
        Path secret = Files.writeString(dir.resolve("shadow"), "root:$6$secret:19000:0:99999:7:::\n");
        Path img = overlay("t.qcow2", secret.toString(), "raw");
        ImageFormatException e = refused(img, BackingFilePolicy.refuseAll());
        assertTrue(e.getMessage().startsWith(img + ": names the backing file '" + secret + "' (qcow2 header field"
                + " backing_file"), e.getMessage());
        assertMentions(e, "--base-image-dir", "inject-base-image-dirs", "qemu-img convert -O qcow2 " + img);
        e = refused(img, withBase);
        assertMentions(e, "'" + secret + "'", "outside every base image directory");
    }

    @Test
    void jsonAndProtocolNamesAreRefused() throws Exception {
        for (String name : List.of("json:{\"driver\":\"file\",\"filename\":\"/etc/shadow\"}",
                "nbd:unix:/run/x.sock", "file:/etc/shadow")) {
            Path img = overlay("p.qcow2", name, "raw");
            ImageFormatException e = refused(img, withBase);
            assertMentions(e, "names the backing file '" + name + "'", "QEMU protocol or JSON name");
            Files.delete(img);
        }
    }

    @Test
    void pseudoFilesAreNeverBackingFilesNorBaseDirs() throws Exception {
        for (String name : List.of("/proc/self/environ", "/proc/self/fd/0", "/dev/sda", "/sys/kernel/notes")) {
            Path img = overlay("ps.qcow2", name, "raw");
            assertMentions(refused(img, withBase), "'" + name + "'", "under /proc, /dev or /sys");
            Files.delete(img);
        }
        assertThrows(IllegalArgumentException.class, () -> BackingFilePolicy.below(List.of(Path.of("/")), "--base-image-dir"));
        assertThrows(IllegalArgumentException.class, () -> BackingFilePolicy.below(List.of(Path.of("/proc")), "--base-image-dir"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BackingFilePolicy.below(List.of(Path.of("relative")), "--base-image-dir"));
        assertTrue(e.getMessage().startsWith("--base-image-dir relative: must be an absolute path"), e.getMessage());
    }

    @Test
    void aRelativeNameIsResolvedAgainstTheOverlayAndMustNotEscape() throws Exception {
        Files.writeString(dir.resolve("outside.raw"), "secret");
        Path sub = Files.createDirectory(base.resolve("sub"));
        Tools.rawImage(base, "inside.raw", 1);
        // ../outside.raw from _base/sub/ is _base/outside.raw: does not exist; from _base/ it escapes
        Path escaping = sub.resolve("escape.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "../../outside.raw", "-F", "raw",
                escaping.toString(), "1M");
        assertMentions(refused(escaping, withBase), "'../../outside.raw'", "outside every base image directory");
        Path fine = sub.resolve("fine.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "../inside.raw", "-F", "raw",
                fine.toString(), "1M");
        BackingChain chain = inspect(fine, withBase);
        assertEquals(base.resolve("inside.raw").toRealPath(), chain.backingFiles().getFirst().path());
        assertEquals(sub.resolve("../inside.raw"), chain.backingFiles().getFirst().qemuName());
    }

    @Test
    void aSymlinkInTheBaseDirPointingOutIsRefused() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.raw"), "secret");
        Files.createSymbolicLink(base.resolve("link.raw"), secret);
        Path img = overlay("l.qcow2", base.resolve("link.raw").toString(), "raw");
        ImageFormatException e = refused(img, withBase);
        assertMentions(e, "'" + base.resolve("link.raw") + "'", "resolves (symbolic links followed)");
        assertTrue(!e.getMessage().contains(secret.toString()), "the target is not told: " + e.getMessage());
        // a directory symlink followed by .. : the kernel's resolution, not the lexical one, counts
        Path deep = Files.createDirectories(dir.resolve("elsewhere/deep"));
        Files.writeString(dir.resolve("elsewhere/x.raw"), "secret");
        Files.createSymbolicLink(base.resolve("d"), deep);
        Path dotdot = overlay("dd.qcow2", base + "/d/../x.raw", "raw");
        assertMentions(refused(dotdot, withBase), "resolves (symbolic links followed)");
    }

    @Test
    void aFifoOrDirectoryInTheBaseDirIsNotABackingFile() throws Exception {
        Path fifo = base.resolve("fifo.raw");
        Tools.run(null, "mkfifo", fifo.toString());
        assertMentions(refused(overlay("f.qcow2", fifo.toString(), "raw"), withBase), "not a regular file");
        Files.createDirectory(base.resolve("dir.raw"));
        assertMentions(refused(overlay("d.qcow2", base.resolve("dir.raw").toString(), "raw"), withBase),
                "not a regular file");
    }

    @Test
    void everyLayerIsCheckedTheSecondOneEscaping() throws Exception {
        Path secret = Files.writeString(dir.resolve("secret.raw"), "secret");
        Path mid = base.resolve("mid.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", secret.toString(), "-F", "raw",
                mid.toString(), "16M");
        Path img = overlay("top.qcow2", mid.toString(), "qcow2");
        ImageFormatException e = refused(img, withBase);
        assertTrue(e.getMessage().startsWith(img + ": its backing file " + mid.toRealPath() + " names the backing file '"
                + secret + "'"), e.getMessage());
    }

    @Test
    void loopsAndOverlongChainsAreRefused() throws Exception {
        Path a = base.resolve("a.qcow2");
        Path b = base.resolve("b.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", b.toString(), "-F", "qcow2", a.toString(), "1M");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", a.toString(), "-F", "qcow2", b.toString(), "1M");
        assertMentions(refused(a, withBase), "the backing chain loops");
        Path self = base.resolve("self.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "self.qcow2", "-F", "qcow2", self.toString(), "1M");
        assertMentions(refused(self, withBase), "the backing chain loops");

        Path previous = Tools.rawImage(base, "l0.raw", 1);
        String format = "raw";
        for (int i = 1; i <= ImageInspector.MAX_BACKING_FILES + 1; i++) {
            Path next = base.resolve("l" + i + ".qcow2");
            Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", previous.toString(), "-F", format,
                    next.toString(), "1M");
            previous = next;
            format = "qcow2";
        }
        assertMentions(refused(previous, withBase), "more than " + ImageInspector.MAX_BACKING_FILES + " files deep");
        BackingChain longest = inspect(base.resolve("l" + ImageInspector.MAX_BACKING_FILES + ".qcow2"), withBase);
        assertEquals(ImageInspector.MAX_BACKING_FILES + 1, longest.layers().size());
    }

    @Test
    void theRecordedBackingFormatMustMatchTheMagicAndBeOneWeOpen() throws Exception {
        Path q = base.resolve("b.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", q.toString(), "1M");
        assertMentions(refused(overlay("m.qcow2", q.toString(), "raw"), withBase),
                "recorded as raw by its overlay, but its magic bytes say qcow2");
        Path raw = Tools.rawImage(base, "r.raw", 1);
        Path vvfat = overlay("v.qcow2", raw.toString(), "raw");
        // the backing format extension holds "raw"; make it "vvfat" (same length + 2: rewrite the extension)
        Qcow2HeaderExtension ext = readHeader(vvfat).extensions().stream()
                .filter(x -> x.type() == Qcow2HeaderExtension.BACKING_FORMAT).findFirst().orElseThrow();
        Tools.poke(vvfat, ext.offset() - 4, new byte[] {0, 0, 0, 5});
        Tools.poke(vvfat, ext.offset(), "vvfat".getBytes(StandardCharsets.US_ASCII));
        assertMentions(refused(vvfat, withBase), "records its backing file's format as 'vvfat'");
    }

    // ---- chains that are admitted ----

    @Test
    void chainsBelowTheBaseDirAreAdmittedLayerByLayer() throws Exception {
        Path raw = Tools.rawImage(base, "debian.raw", 16);
        Path mid = base.resolve("mid.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-b", "debian.raw", "-F", "raw", mid.toString());
        Path one = overlay("one.qcow2", raw.toString(), "raw");
        Path two = overlay("two.qcow2", mid.toString(), "qcow2");

        BackingChain c1 = inspect(one, withBase);
        assertEquals(List.of(ImageFormat.QCOW2, ImageFormat.RAW), c1.layers().stream().map(BackingChain.Layer::format).toList());
        assertEquals(List.of(one, raw.toRealPath()), c1.layers().stream().map(BackingChain.Layer::path).toList());
        assertEquals(Optional.of(raw.toString()), c1.top().backingName());
        c1.requireRecordedBackingFormats();

        BackingChain c2 = inspect(two, withBase);
        assertEquals(List.of(two, mid.toRealPath(), raw.toRealPath()),
                c2.layers().stream().map(BackingChain.Layer::path).toList());
        assertEquals(Optional.of("debian.raw"), c2.layers().get(1).backingName());
        assertEquals(Optional.of("raw"), c2.layers().get(1).recordedBackingFormat());

        BackingChain standalone = inspect(raw, BackingFilePolicy.refuseAll());
        assertEquals(List.of(), standalone.backingFiles());
    }

    @Test
    void qedAndQcowBackingFilesFollowTheSameRules() throws Exception {
        Path raw = Tools.rawImage(base, "b.raw", 1);
        Path qed = dir.resolve("o.qed");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qed", "-b", raw.toString(), "-F", "raw", qed.toString());
        assertMentions(refused(qed, BackingFilePolicy.refuseAll()), "'" + raw + "' (QED header field backing_filename");
        BackingChain c = inspect(qed, withBase);
        assertEquals(ImageFormat.RAW, c.backingFiles().getFirst().format());
        assertEquals(Optional.of("raw"), c.top().recordedBackingFormat()); // QED_F_BACKING_FORMAT_NO_PROBE

        Path qcow = dir.resolve("o.qcow");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow", "-u", "-b", raw.toString(), "-F", "raw", qcow.toString(), "1M");
        assertMentions(refused(qcow, BackingFilePolicy.refuseAll()), "'" + raw + "' (qcow header field backing_file");
        BackingChain v1 = inspect(qcow, withBase);
        assertEquals(Optional.empty(), v1.top().recordedBackingFormat());
        // qcow v1 cannot record the format: where QEMU follows names itself (libguestfs) it would probe
        ImageFormatException e = assertThrows(ImageFormatException.class, v1::requireRecordedBackingFormats);
        assertMentions(e, "does not record the format of its backing file '" + raw + "'");
    }

    // ---- always refused ----

    @Test
    void anExternalDataFileIsRefusedWithoutOpeningIt() throws Exception {
        Path data = dir.resolve("data.raw");
        Path img = dir.resolve("df.qcow2");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "qcow2", "-o", "data_file=" + data, img.toString(), "16M");
        Files.delete(data);
        Tools.run(null, "mkfifo", data.toString()); // opening it for reading would block
        for (BackingFilePolicy policy : List.of(BackingFilePolicy.refuseAll(), withBase,
                BackingFilePolicy.below(List.of(dir), "--base-image-dir"))) {
            ImageFormatException e = refused(img, policy);
            assertMentions(e, "external data file named '" + data + "'", "incompatible feature bit 2");
        }
        // the extension alone, with the feature bit cleared, is refused too
        Tools.poke(img, 72 + 7, new byte[] {0});
        assertMentions(refused(img, withBase), "external data file named '" + data + "'");
    }

    @Test
    void encryptionIsRefused() throws Exception {
        Path luks = dir.resolve("l.luks");
        Tools.qemuImgCreateEncrypted("qemu-img", "create", "-q", "-f", "luks", "--object", "secret,id=s0,data=pw",
                "-o", "key-secret=s0,iter-time=250", luks.toString(), "4M");
        assertMentions(refused(luks, withBase), "LUKS-encrypted");
        Path lq = dir.resolve("lq.qcow2");
        Tools.qemuImgCreateEncrypted("qemu-img", "create", "-q", "-f", "qcow2", "--object", "secret,id=s0,data=pw",
                "-o", "encrypt.format=luks,encrypt.key-secret=s0,encrypt.iter-time=250", lq.toString(), "4M");
        assertMentions(refused(lq, withBase), "is an encrypted qcow2 (LUKS)");
        // a LUKS file as backing file
        Path lb = Files.copy(luks, base.resolve("l.raw"));
        assertMentions(refused(overlay("over-luks.qcow2", lb.toString(), "raw"), withBase),
                "its backing file " + lb.toRealPath() + " is LUKS-encrypted");
        // the full disk encryption extension without crypt_method
        Tools.poke(lq, 32, new byte[] {0, 0, 0, 0});
        assertMentions(refused(lq, withBase), "is an encrypted qcow2 (a full disk encryption header)");
    }

    @ParameterizedTest
    @ValueSource(strings = {"monolithicFlat", "twoGbMaxExtentFlat", "twoGbMaxExtentSparse"})
    void vmdkDescriptorFilesAreRefused(String subformat) throws Exception {
        Path img = dir.resolve("d.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + subformat, img.toString(), "4M");
        assertMentions(refused(img, withBase), "is a VMDK descriptor file");
    }

    @Test
    void singleFileVmdksAreAdmittedAndTheirHostileVariantsRefused() throws Exception {
        for (String subformat : List.of("monolithicSparse", "streamOptimized")) {
            Path img = dir.resolve(subformat + ".vmdk");
            Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=" + subformat, img.toString(), "4M");
            assertEquals(ImageFormat.VMDK, inspect(img, BackingFilePolicy.refuseAll()).format());
        }
        // the extent file of a split sparse VMDK, given alone: an empty embedded descriptor
        Path split = dir.resolve("split.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-o", "subformat=twoGbMaxExtentSparse", split.toString(), "4M");
        assertMentions(refused(dir.resolve("split-s001.vmdk"), withBase), "createType (none)");
        // a delta link: parentFileNameHint and parentCID
        Path parent = base.resolve("p.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", parent.toString(), "4M");
        Path delta = dir.resolve("delta.vmdk");
        Tools.run(null, "qemu-img", "create", "-q", "-f", "vmdk", "-b", parent.toString(), "-F", "vmdk", delta.toString());
        assertMentions(refused(delta, withBase), "VMDK delta link whose parent is '" + parent + "'");

        Path img = dir.resolve("monolithicSparse.vmdk");
        String descriptor = descriptor(img);
        setDescriptor(img, descriptor.replace("parentCID=ffffffff", "parentCID=12345678"));
        assertMentions(refused(img, withBase), "parentCID=12345678");
        setDescriptor(img, descriptor.replace("monolithicSparse\"", "monolithicFlat\"\n"));
        assertMentions(refused(img, withBase), "createType 'monolithicFlat'");
        String extent = descriptor.lines().filter(l -> l.startsWith("RW ")).findFirst().orElseThrow();
        setDescriptor(img, descriptor.replace(extent, "RW 8192 FLAT \"/etc/shadow\" 0"));
        assertMentions(refused(img, withBase), "'RW 8192 FLAT \"/etc/shadow\" 0'", "extents in other files");
        setDescriptor(img, descriptor.replace(extent, extent + "\nRW 8192 SPARSE \"other.vmdk\""));
        assertMentions(refused(img, withBase), "lists 2 extents");
        setDescriptor(img, descriptor + "# parentFileNameHint=\"/etc/shadow\"\n");
        assertMentions(refused(img, withBase), "whose parent is '/etc/shadow'"); // QEMU's strstr finds it in a comment
        setDescriptor(img, descriptor + "include /etc/shadow\n");
        assertMentions(refused(img, withBase), "a line guestdata does not understand");
        setDescriptor(img, descriptor);
        inspect(img, withBase);
        // capacity 0 with a descriptor: QEMU would treat the descriptor as a descriptor file
        Tools.poke(img, 12, new byte[8]);
        assertMentions(refused(img, withBase), "capacity 0 and a descriptor");
    }

    static String descriptor(Path vmdk) throws Exception {
        byte[] b = Tools.peek(vmdk, 512, VmdkDescriptor.QEMU_DESC_SIZE);
        int end = 0;
        while (b[end] != 0) {
            end++;
        }
        return new String(b, 0, end, StandardCharsets.US_ASCII);
    }

    static void setDescriptor(Path vmdk, String text) throws Exception {
        byte[] b = new byte[VmdkDescriptor.QEMU_DESC_SIZE];
        byte[] t = text.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(t, 0, b, 0, t.length);
        Tools.poke(vmdk, 512, b);
    }

    @Test
    void otherFormatsMadeByQemuImgAreAdmittedAndTheirDifferencingVariantsRefused() throws Exception {
        for (String fmt : List.of("vdi", "vhdx", "vpc", "qed", "qcow", "qcow2")) {
            Path img = dir.resolve("x." + fmt);
            Tools.run(null, "qemu-img", "create", "-q", "-f", fmt, img.toString(), "8M");
            assertEquals(fmt, inspect(img, BackingFilePolicy.refuseAll()).format().qemuName());
        }
        Path vdi = dir.resolve("x.vdi");
        Tools.poke(vdi, 76, new byte[] {4, 0, 0, 0});
        assertMentions(refused(vdi, withBase), "VDI of image type 4 (differencing");
        Tools.poke(vdi, 76, new byte[] {1, 0, 0, 0});
        Tools.poke(vdi, 440, new byte[] {1});
        assertMentions(refused(vdi, withBase), "names a parent image");

        Path vpc = dir.resolve("x.vpc");
        Tools.poke(vpc, 60, new byte[] {0, 0, 0, 4});
        assertMentions(refused(vpc, withBase), "is a differencing VHD");
        Tools.poke(vpc, 60, new byte[] {0, 0, 0, 3});
        Tools.poke(vpc, 512 + 576, new byte[] {'W', '2', 'k', 'u'}); // a parent locator's platform code
        assertMentions(refused(vpc, withBase), "names a parent");

        Path vhdx = dir.resolve("x.vhdx");
        long fileParameters = vhdxFileParametersOffset(vhdx);
        Tools.poke(vhdx, fileParameters + 4, new byte[] {2, 0, 0, 0}); // HasParent
        assertMentions(refused(vhdx, withBase), "is a differencing VHDX (the HasParent file parameter)");
        Tools.flipByte(vhdx, VhdxRegionTable.OFFSET + 100);
        assertMentions(refused(vhdx, withBase), "CRC-32C");
    }

    /** Where the File Parameters item is, found by reading the tables as [MS-VHDX] lays them out. */
    static long vhdxFileParametersOffset(Path vhdx) throws Exception {
        try (FileChannel ch = FileChannel.open(vhdx, StandardOpenOption.READ)) {
            ByteBuffer rt = ByteBuffer.allocate(VhdxRegionTable.BLOCK).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(rt, VhdxRegionTable.OFFSET);
            for (int i = 0; i < rt.getInt(8); i++) {
                if (EfiGuid.read(rt, 16 + 32 * i).equals(VhdxRegionTable.METADATA_REGION)) {
                    long region = rt.getLong(16 + 32 * i + 16);
                    ByteBuffer mt = ByteBuffer.allocate(VhdxMetadataTable.MAX_SIZE).order(ByteOrder.LITTLE_ENDIAN);
                    ch.read(mt, region);
                    for (int j = 0; j < mt.getShort(10); j++) {
                        if (EfiGuid.read(mt, 32 + 32 * j).equals(VhdxMetadataTable.FILE_PARAMETERS)) {
                            return region + Integer.toUnsignedLong(mt.getInt(32 + 32 * j + 16));
                        }
                    }
                }
            }
        }
        throw new AssertionError("no file parameters in " + vhdx);
    }

    // ---- corrupt qcow2 headers ----

    @Test
    void corruptQcow2HeadersAreRefused() throws Exception {
        Path raw = Tools.rawImage(base, "b.raw", 1);
        Path img = overlay("c.qcow2", raw.toString(), "raw");
        byte[] pristine = Files.readAllBytes(img);
        long nameOffset = readHeader(img).backingFileOffset();

        Tools.poke(img, 16, be32(2000)); // backing_file_size beyond QEMU's 1023
        assertMentions(refused(img, withBase), "backing_file_size 2000 is not 1..1023");

        Files.write(img, pristine);
        Tools.poke(img, 8, be64(4000)); // backing name past the end of a truncated file
        try (FileChannel ch = FileChannel.open(img, StandardOpenOption.WRITE)) {
            ch.truncate(2048);
        }
        assertMentions(refused(img, withBase), "lies past the end of the file (2048 bytes)");

        Files.write(img, pristine);
        Tools.poke(img, 8, be64(70000)); // beyond the first cluster
        assertMentions(refused(img, withBase), "backing_file_offset 70000 is outside");

        Files.write(img, pristine);
        Tools.poke(img, 100, be32(96)); // header_length below 104
        assertMentions(refused(img, withBase), "header_length 96");

        Files.write(img, pristine);
        Tools.poke(img, 72, be64(1L << 20)); // an incompatible feature QEMU does not know
        assertMentions(refused(img, withBase), "incompatible feature bits 0x100000");

        Files.write(img, pristine);
        long firstExtension = readHeader(img).headerLength();
        Tools.poke(img, firstExtension + 4, be32(0x10000)); // an extension longer than the space before the name
        assertMentions(refused(img, withBase), "header extension 0x", "past " + nameOffset);

        Files.write(img, pristine);
        Tools.poke(img, nameOffset + 3, new byte[] {0}); // a NUL inside the stated name length
        assertMentions(refused(img, withBase), "holds a NUL byte");

        Files.write(img, pristine);
        Tools.poke(img, 20, be32(30)); // cluster_bits
        assertMentions(refused(img, withBase), "cluster_bits 30");

        Files.write(img, pristine);
        assertEquals(Optional.of(raw.toString()), inspect(img, withBase).top().backingName());
    }

    @Test
    void theImageItselfMustBeARegularFileOrBlockDevice() throws Exception {
        Path fifo = dir.resolve("fifo.img");
        Tools.run(null, "mkfifo", fifo.toString());
        BlockException e = assertTimeoutPreemptively(Duration.ofSeconds(20),
                () -> assertThrows(BlockException.class, () -> inspect(fifo, withBase)));
        assertMentions(e, "is not a regular file or a block device");
        assertMentions(assertThrows(BlockException.class, () -> inspect(dir.resolve("none.img"), withBase)),
                "does not exist");
    }

    static Qcow2Header readHeader(Path img) throws BlockException {
        try (LayerFile f = LayerFile.open(img, true)) {
            return Qcow2Header.read(f);
        }
    }

    static byte[] be32(int v) {
        return ByteBuffer.allocate(4).putInt(v).array();
    }

    static byte[] be64(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }
}
