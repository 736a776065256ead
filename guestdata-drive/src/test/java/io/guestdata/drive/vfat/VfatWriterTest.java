package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.ToolTest;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images read back by the real tools: fsck.fat, blkid, minfo, mdir, mlabel, mcopy. */
@ToolTest
class VfatWriterTest {
    static final Instant RECORDED = Instant.parse("2024-05-06T07:08:09.5Z");

    @TempDir
    Path dir;

    /** A config drive as Nova lays it out (nova-compat §1.8 / §6). */
    static Map<String, byte[]> novaTree() {
        Map<String, byte[]> tree = new LinkedHashMap<>();
        String[] versions = {"2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
            "2017-02-22", "2018-08-27", "2020-10-14", "latest"};
        for (String v : versions) {
            tree.put("openstack/" + v + "/meta_data.json", ("{\"uuid\": \"" + v + "\"}").getBytes(StandardCharsets.UTF_8));
            tree.put("openstack/" + v + "/user_data", "#cloud-config\n".getBytes(StandardCharsets.UTF_8));
            if (v.compareTo("2013-04-04") >= 0) {
                tree.put("openstack/" + v + "/vendor_data.json", "{}".getBytes(StandardCharsets.UTF_8));
                tree.put("openstack/" + v + "/password", new byte[0]);
            }
            if (v.compareTo("2015-10-15") >= 0) {
                tree.put("openstack/" + v + "/network_data.json", "{\"links\": []}".getBytes(StandardCharsets.UTF_8));
            }
            if (v.compareTo("2017-02-22") >= 0) {
                tree.put("openstack/" + v + "/vendor_data2.json", "{}".getBytes(StandardCharsets.UTF_8));
            }
        }
        tree.put("openstack/content/0000", "auto eth0\niface eth0 inet dhcp\n".getBytes(StandardCharsets.UTF_8));
        tree.put("openstack/content/0001", new byte[2048]);
        for (String v : new String[] {"2009-04-04", "latest"}) {
            tree.put("ec2/" + v + "/meta-data.json", "{\"instance-id\": \"i-1\"}".getBytes(StandardCharsets.UTF_8));
            tree.put("ec2/" + v + "/user-data", "#cloud-config\n".getBytes(StandardCharsets.UTF_8));
        }
        return tree;
    }

    static List<ImageFile> imageFiles(Map<String, byte[]> tree) {
        List<ImageFile> files = new ArrayList<>();
        tree.forEach((path, bytes) -> files.add(ImageFile.of(path, bytes)));
        return files;
    }

    /** Everything the brief asks of every image; returns the blkid values. */
    static Map<String, String> verify(Path image, Map<String, byte[]> expected, Path scratch) throws Exception {
        FatTools.fsckClean(image);
        Map<String, String> blkid = FatTools.blkid(image);
        assertEquals("config-2", blkid.get("LABEL"), blkid.toString());
        assertEquals("vfat", blkid.get("TYPE"), blkid.toString());
        String minfo = FatTools.mtools("minfo", image, "::");
        assertTrue(minfo.contains("disk label=\"config-2   \""), minfo);
        FatTools.mtools("mdir", image, "-/", "-a", "::/");
        Map<String, byte[]> extracted = FatTools.extract(image, scratch);
        assertSameFiles(expected, extracted);
        return blkid;
    }

    static void assertSameFiles(Map<String, byte[]> expected, Map<String, byte[]> actual) {
        assertEquals(new java.util.TreeSet<>(expected.keySet()), actual.keySet());
        expected.forEach((path, bytes) -> assertArrayEquals(bytes, actual.get(path), path));
    }

    @Test
    void novaConfigDriveReadsLikeMkfsFatAndMcopy() throws Exception {
        Map<String, byte[]> tree = novaTree();
        Path ours = dir.resolve("ours.img");
        new VfatWriter(FatOptions.configDrive(RECORDED)).write(imageFiles(tree), ours);
        assertEquals(64L << 20, Files.size(ours));
        Map<String, String> ourBlkid = verify(ours, tree, dir.resolve("ours"));

        // Nova: truncate to 64 MiB, mkfs -t vfat -n config-2, mount, copy ec2 and openstack.
        Path stage = dir.resolve("stage");
        for (Map.Entry<String, byte[]> e : tree.entrySet()) {
            Path p = stage.resolve(e.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, e.getValue());
        }
        Path nova = dir.resolve("nova.img");
        FatTools.run(List.of("truncate", "-s", "64M", nova.toString()));
        assertEquals(0, FatTools.run(List.of("mkfs.fat", "-n", "config-2", nova.toString())).exit());
        FatTools.mtools("mcopy", nova, "-s", stage.resolve("ec2").toString(), stage.resolve("openstack").toString(), "::/");

        assertEquals(FatTools.mdirPaths(nova), FatTools.mdirPaths(ours), "names and case as mdir shows them");
        Map<String, String> novaBlkid = FatTools.blkid(nova);
        for (String key : List.of("LABEL", "LABEL_FATBOOT", "TYPE", "SEC_TYPE", "VERSION", "BLOCK_SIZE", "USAGE")) {
            assertEquals(novaBlkid.get(key), ourBlkid.get(key), key);
        }
        assertEquals("Volume label is config-2", FatTools.mtools("mlabel", ours, "-s", "::").strip());
        assertEquals(FatTools.mtools("mlabel", nova, "-s", "::"), FatTools.mtools("mlabel", ours, "-s", "::"));
        // The mdir view of lower-case 8.3 names: "ec2" and "latest" are plain short entries shown in lower case.
        String root = FatTools.mtools("mdir", ours, "-a", "::/");
        assertTrue(root.lines().anyMatch(l -> l.startsWith("ec2          <DIR>")), root);
    }

    @Test
    void theImageIsSparse() throws Exception {
        Path image = dir.resolve("sparse.img");
        List<ImageFile> files = List.of(ImageFile.of("openstack/latest/meta_data.json", new byte[20 * 1024]));
        new VfatWriter(FatOptions.configDrive(RECORDED)).write(files, image);
        assertEquals(64L << 20, Files.size(image));
        long allocated = FatTools.allocatedBytes(image);
        assertTrue(allocated <= 160 * 1024, "64 MiB image with 20 KiB takes " + allocated + " bytes of disk");
        verify(image, Map.of("openstack/latest/meta_data.json", new byte[20 * 1024]), dir.resolve("out"));
    }

    @Test
    void sameInputGivesSameBytesWhateverTheOrderOfTheList() throws Exception {
        List<ImageFile> files = imageFiles(novaTree());
        VfatWriter writer = new VfatWriter(FatOptions.configDrive(RECORDED));
        Path a = dir.resolve("a.img");
        Path b = dir.resolve("b.img");
        writer.write(files, a);
        List<ImageFile> shuffled = new ArrayList<>(files);
        Collections.shuffle(shuffled, new Random(7));
        writer.write(shuffled, b);
        assertEquals(digest(a), digest(b));
        assertEquals(Files.size(a), writer.imageSize(files));
    }

    @Test
    void streamingToANonSeekableChannelGivesTheSameBytes() throws Exception {
        List<ImageFile> files = imageFiles(novaTree());
        VfatWriter writer = new VfatWriter(FatOptions.configDrive(RECORDED));
        Path file = dir.resolve("file.img");
        writer.write(files, file);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        long[] count = {0};
        try (OutputStream out = new DigestOutputStream(new OutputStream() {
            @Override
            public void write(int b) {
                count[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                count[0] += len;
            }
        }, md)) {
            writer.writeTo(files, Channels.newChannel(out));
        }
        assertEquals(Files.size(file), count[0]);
        assertEquals(digest(file), HexFormat.of().formatHex(md.digest()));
    }

    @Test
    void fat32WhenTheMinimumIsAboveTheFat16Range() throws Exception {
        Map<String, byte[]> tree = novaTree();
        Path image = dir.resolve("fat32.img");
        FatOptions options = FatOptions.configDrive(RECORDED).withMinimumSizeBytes((2L << 30) + 4096);
        new VfatWriter(options).write(imageFiles(tree), image);
        Map<String, String> blkid = verify(image, tree, dir.resolve("out"));
        assertEquals("FAT32", blkid.get("VERSION"));
        assertEquals(null, blkid.get("SEC_TYPE"), "mkfs.fat -F 32 gives no SEC_TYPE either");
        assertEquals((2L << 30) + 4096, Files.size(image));
        assertTrue(FatTools.allocatedBytes(image) < 1 << 20, "sparse FAT32 image");
        String minfo = FatTools.mtools("minfo", image, "::");
        assertTrue(minfo.contains("disk type=\"FAT32   \""), minfo);
        // Backup boot sector (sector 6) equals the boot sector; fsck.fat also compares them.
        byte[] head = new byte[4096];
        try (var in = Files.newInputStream(image)) {
            in.readNBytes(head, 0, head.length);
        }
        assertArrayEquals(java.util.Arrays.copyOfRange(head, 0, 512), java.util.Arrays.copyOfRange(head, 3072, 3584));
        try (FatImageReader reader = new FatImageReader(image)) {
            assertEquals(32, reader.fatBits());
            assertSameFiles(tree, reader.files());
        }
    }

    @Test
    void fat12ForASmallVolume() throws Exception {
        Map<String, byte[]> tree = novaTree();
        Path image = dir.resolve("fat12.img");
        new VfatWriter(FatOptions.configDrive(RECORDED).withMinimumSizeBytes(0)).write(imageFiles(tree), image);
        Map<String, String> blkid = verify(image, tree, dir.resolve("out"));
        assertEquals("FAT12", blkid.get("VERSION"));
        assertEquals("msdos", blkid.get("SEC_TYPE"));
        assertTrue(Files.size(image) < 2 << 20, "smallest image " + Files.size(image));
    }

    @Test
    void aRootDirectoryLargerThan512EntriesAndDirectoriesOfManyClusters() throws Exception {
        Map<String, byte[]> tree = new LinkedHashMap<>();
        for (int i = 0; i < 300; i++) {
            tree.put(String.format("Root entry with a long name number %04d.txt", i), new byte[i % 3]);
            tree.put(String.format("many/entry %04d with a rather long name.json", i), ("" + i).getBytes(StandardCharsets.UTF_8));
        }
        Path image = dir.resolve("wide.img");
        new VfatWriter(FatOptions.configDrive(RECORDED)).write(imageFiles(tree), image);
        verify(image, tree, dir.resolve("out"));
        String minfo = FatTools.mtools("minfo", image, "::");
        assertTrue(minfo.contains("max available root directory slots: 1504"), minfo);
    }

    @Test
    void namesOutsideTheBmpAreStoredAsSurrogatePairs() throws Exception {
        Map<String, byte[]> tree = new LinkedHashMap<>();
        // The pair in the second name straddles the 13-unit boundary between two long entries.
        tree.put("emoji/😀", "a".getBytes(StandardCharsets.UTF_8));
        tree.put("emoji/twelve units😀tail", "b".getBytes(StandardCharsets.UTF_8));
        tree.put("emoji/𝄞 music 𐐷.txt", "c".getBytes(StandardCharsets.UTF_8));
        Path image = dir.resolve("emoji.img");
        new VfatWriter(FatOptions.configDrive(RECORDED)).write(imageFiles(tree), image);
        FatTools.fsckClean(image);
        try (FatImageReader reader = new FatImageReader(image)) {
            assertSameFiles(tree, reader.files());
        }
        // mtools reads the long names unit by unit; what it extracts depends on whether it pairs surrogates.
        assertSameFiles(FatTools.asMtoolsShows(tree), FatTools.extract(image, dir.resolve("out")));
    }

    @Test
    void aVolumeWithoutALabel() throws Exception {
        Path image = dir.resolve("nolabel.img");
        FatOptions options = FatOptions.configDrive(RECORDED).withVolumeLabel(null);
        new VfatWriter(options).write(List.of(ImageFile.of("config-2", new byte[1])), image);
        FatTools.fsckClean(image);
        Map<String, String> blkid = FatTools.blkid(image);
        assertEquals(null, blkid.get("LABEL"), blkid.toString());
        assertEquals("vfat", blkid.get("TYPE"));
        assertTrue(FatTools.mtools("minfo", image, "::").contains("disk label=\"NO NAME    \""));
        assertEquals(List.of("config-2"), FatTools.mdirPaths(image));
    }

    @Test
    void emptyVolumes() throws Exception {
        for (long minimum : new long[] {0, 64L << 20, (2L << 30) + 4096}) {
            for (String label : new String[] {null, "config-2"}) {
                Path image = dir.resolve("empty-" + minimum + "-" + label + ".img");
                new VfatWriter(FatOptions.configDrive(RECORDED).withMinimumSizeBytes(minimum).withVolumeLabel(label))
                        .write(List.of(), image);
                FatTools.fsckClean(image);
                // mdir -b exits 1 on an empty root, for mkfs.fat images too; the plain listing says so.
                assertTrue(FatTools.mtools("mdir", image, "-a", "::/").contains("No files"));
                assertEquals(label, FatTools.blkid(image).get("LABEL"));
            }
        }
    }

    @Test
    void timestampsComeFromRecordedAt() throws Exception {
        Path image = dir.resolve("time.img");
        new VfatWriter(FatOptions.configDrive(RECORDED)).write(List.of(ImageFile.of("a/b", new byte[1])), image);
        String listing = FatTools.mtools("mdir", image, "::/a");
        assertTrue(listing.lines().anyMatch(l -> l.startsWith("b ") && l.contains("2024-05-06   7:08")), listing);
    }

    static String digest(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (var in = new java.security.DigestInputStream(Files.newInputStream(file), md)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        return HexFormat.of().formatHex(md.digest());
    }
}
