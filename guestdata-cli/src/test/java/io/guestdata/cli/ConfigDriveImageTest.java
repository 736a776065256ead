package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.GuestdataVersion;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code configdrive --format iso9660|vfat}: what the real readers see in the images the command writes
 * (isoinfo, xorriso, blkid, pycdlib; fsck.fat, mtools, blkid), and cloud-init's ConfigDrive datasource
 * reading the files extracted from them exactly as it reads the tree {@code --format tree} writes.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ToolTest
class ConfigDriveImageTest {
    /** 2024-06-01T12:00:00Z. */
    private static final String T = "1717243200";

    @TempDir
    Path tmp;

    private Path doc;
    private Path tree;
    private Map<String, String> treeFiles;
    private JsonNode treeView;

    @BeforeAll
    void writeTheTree() throws Exception {
        doc = CloudInitReadsConfigDriveTreeTest.resource("instances/full.json");
        tree = Files.createTempDirectory("cd-tree").resolve("tree");
        Cli r = Cli.run("configdrive", "--instance", doc.toString(), "--format", "tree", "--output", tree.toString());
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        treeFiles = Images.maskedFiles(tree);
        treeView = Images.configDriveView(tree, null);
    }

    @AfterAll
    void removeTheTree() throws Exception {
        Images.deleteTree(tree.getParent());
    }

    private Path write(String format, String... extra) {
        Path out = tmp.resolve(format + "-" + System.nanoTime() + ".img");
        List<String> args = new java.util.ArrayList<>(List.of("configdrive", "--instance", doc.toString(),
                "--format", format, "--output", out.toString(), "--timestamp", T));
        args.addAll(Arrays.asList(extra));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("wrote "), r.out());
        return out;
    }

    @Test
    void isoReadersSeeNovasConfigDrive() throws Exception {
        Path iso = write("iso9660");
        String d = Images.ok("isoinfo", "-d", "-i", iso.toString());
        assertTrue(d.contains("Volume id: config-2\n"), d);
        assertTrue(d.contains("Publisher id: " + GuestdataVersion.product() + "\n"), d);
        assertTrue(d.contains("Joliet with UCS level 3 found"), d);
        assertTrue(d.contains("Rock Ridge signatures version 1 found"), d);

        Set<String> expected = new TreeSet<>(treeFiles.keySet());
        assertEquals(expected, isoinfoFiles(iso, "-R"), "Rock Ridge names");
        assertEquals(expected, isoinfoFiles(iso, "-J"), "Joliet names");
        String longListing = Images.ok("isoinfo", "-R", "-l", "-i", iso.toString());
        assertTrue(longListing.contains("-r--r--r--") && !longListing.contains("-rw"), "files are 0444 as genisoimage -r");

        Set<String> xorriso = new TreeSet<>();
        for (String line : Images.ok("xorriso", "-indev", iso.toString(), "-find", "/", "-type", "f").split("\n")) {
            if (line.startsWith("'/")) {
                xorriso.add(line.substring(2, line.length() - 1));
            }
        }
        assertEquals(expected, xorriso, "xorriso");

        Map<String, String> tags = Images.blkid(iso);
        assertEquals("config-2", tags.get("LABEL"), tags.toString());
        assertEquals("iso9660", tags.get("TYPE"), tags.toString());

        Path extracted = Images.extractIso(iso, tmp.resolve("iso-x"));
        assertEquals(treeFiles, Images.maskedFiles(extracted), "the image holds the tree, byte for byte");
        JsonNode pycdlib = Images.pycdlib(iso);
        assertTrue(pycdlib.get("rock_ridge").asBoolean() && pycdlib.get("joliet_found").asBoolean(), pycdlib.toString());
        Map<String, String> hashes = new TreeMap<>();
        for (Map.Entry<String, byte[]> f : Images.files(extracted).entrySet()) {
            hashes.put(f.getKey(), Images.sha256(f.getValue()));
        }
        assertEquals(hashes, fields(pycdlib.get("rr")), "pycdlib reads the same bytes through Rock Ridge");
        assertEquals(hashes, fields(pycdlib.get("joliet")), "and through Joliet");

        assertEquals(treeView, Images.configDriveView(extracted, null), "cloud-init reads the ISO as the tree");
    }

    @Test
    void fatReadersSeeNovasVfatConfigDrive() throws Exception {
        Path img = write("vfat");
        assertEquals(64L << 20, Files.size(img), "Nova's 64 MiB");
        assertTrue(Files.getAttribute(img, "unix:mode") instanceof Integer mode && (mode & 0777) == 0644);
        String fsck = Images.ok("fsck.fat", "-n", "-v", img.toString());
        assertFalse(fsck.contains("differ") || fsck.contains("Free cluster summary wrong"), fsck);
        Map<String, String> tags = Images.blkid(img);
        assertEquals("config-2", tags.get("LABEL"), tags.toString());
        assertEquals("vfat", tags.get("TYPE"), tags.toString());
        assertEquals("FAT16", tags.get("VERSION"), tags.toString());
        String mdir = Images.ok("mdir", "-/", "-b", "-i", img.toString(), "::/");
        assertTrue(mdir.contains("::/openstack/latest/meta_data.json") && mdir.contains("::/ec2/2009-04-04/user-data"),
                mdir);
        Path extracted = Images.extractFat(img, tmp.resolve("fat-x"));
        assertEquals(treeFiles, Images.maskedFiles(extracted), "the image holds the tree, byte for byte");
        assertEquals(treeView, Images.configDriveView(extracted, null), "cloud-init reads the VFAT drive as the tree");
    }

    /** Debian 13's cloud-init 25.1 reads the files of both images as it reads the tree (22.4: the tests above). */
    @Test
    void cloudInit25ReadsBothImagesAsTheTree() throws Exception {
        NovaOracle.assumeDebian("13");
        JsonNode tree25 = Images.configDriveView("13", tree, null);
        assertEquals(treeView.get("instance_id"), tree25.get("instance_id"));
        assertEquals(tree25, Images.configDriveView("13", Images.extractIso(write("iso9660"), tmp.resolve("iso-13")), null),
                "cloud-init 25.1 reads the ISO as the tree");
        assertEquals(tree25, Images.configDriveView("13", Images.extractFat(write("vfat"), tmp.resolve("fat-13")), null),
                "cloud-init 25.1 reads the VFAT drive as the tree");
    }

    @Test
    void volumeSizeSetsTheSmallestVolumeWhichGrowsToFit() throws Exception {
        Path small = write("vfat", "--volume-size", "8M");
        assertEquals(8L << 20, Files.size(small));
        Images.ok("fsck.fat", "-n", small.toString());
        Path tiny = write("vfat", "--volume-size", "4K");
        assertTrue(Files.size(tiny) > 1 << 20 && Files.size(tiny) < 2 << 20, "grown to the content plus 1 MiB free: "
                + Files.size(tiny));
        Images.ok("fsck.fat", "-n", tiny.toString());
        assertEquals(treeFiles, Images.maskedFiles(Images.extractFat(tiny, tmp.resolve("tiny-x"))));
    }

    @Test
    void sourceDateEpochMakesTheImageReproducibleButForTheRandomSeeds() throws Exception {
        for (String format : List.of("iso9660", "vfat", "nocloud")) {
            Path a = tmp.resolve("a-" + format);
            Path b = tmp.resolve("b-" + format);
            Path c = tmp.resolve("c-" + format);
            String[] common = {"configdrive", "--instance", doc.toString(), "--format", format};
            List<String> drop = format.equals("nocloud") ? List.of("--drop-files") : List.of();
            assertEquals(ExitCode.OK, Cli.run(Map.of("SOURCE_DATE_EPOCH", T), concat(common, drop, "--output", a)).exitCode());
            assertEquals(ExitCode.OK, Cli.run(Map.of("SOURCE_DATE_EPOCH", "1"), concat(common, drop, "--output", b,
                    "--timestamp", T)).exitCode(), "--timestamp wins over SOURCE_DATE_EPOCH");
            assertEquals(ExitCode.OK, Cli.run(Map.of(), concat(common, drop, "--output", c, "--timestamp",
                    String.valueOf(Long.parseLong(T) + 2))).exitCode());
            byte[] ma = Images.maskedImage(a);
            assertFalse(Arrays.equals(Files.readAllBytes(a), ma), "the random seeds were found and masked");
            assertArrayEquals(ma, Images.maskedImage(b), format + ": same time, same bytes but for random_seed");
            assertFalse(Arrays.equals(ma, Images.maskedImage(c)), format + ": another time, other bytes");
        }
    }

    /**
     * cloudbase-init finds a config drive ISO on a raw disk by reading only the low 16 bits of the primary volume
     * descriptor's volume space size (ECMA-119 §8.4.8), so an ISO of 65,536 blocks or more is cut short there; and
     * it reads the Joliet names. A document at every limit the parser allows (Limits.nova(): 5 files of 10,240
     * base64 characters with 255-character paths, user data of 65,535 characters at most, 128 metadata items of
     * 255-character keys and values) gives an ISO far below that, labelled exactly {@code config-2} (Afterburn
     * mounts only that, lower case, ISO 9660), whose Joliet names are its Rock Ridge names.
     */
    @Test
    void theLargestDocumentTheLimitsAllowMakesAnIsoUnder65536BlocksThatCloudbaseInitReads() throws Exception {
        com.fasterxml.jackson.databind.node.ObjectNode largest = GuestAgentDocuments.full("10.0.0.5");
        java.util.Random random = new java.util.Random(12);
        com.fasterxml.jackson.databind.node.ArrayNode files = largest.putArray("files");
        for (int i = 0; i < 5; i++) {
            byte[] content = new byte[7680]; // 10,240 base64 characters
            random.nextBytes(content);
            String path = "/" + Integer.toString(i).repeat(254);
            files.addObject().put("path", path).put("contents", java.util.Base64.getEncoder().encodeToString(content));
        }
        byte[] userData = new byte[49149]; // 65,532 base64 characters, the longest multiple of 4 within 65,535
        random.nextBytes(userData);
        largest.put("user_data", java.util.Base64.getEncoder().encodeToString(userData));
        com.fasterxml.jackson.databind.node.ObjectNode metadata = largest.putObject("metadata");
        for (int i = 0; i < 128; i++) {
            metadata.put(String.format("%03d", i).repeat(85), "v".repeat(255));
        }
        Path document = Files.writeString(tmp.resolve("largest.json"), largest.toString());
        Path iso = tmp.resolve("largest.iso");
        Cli r = Cli.run("configdrive", "--instance", document.toString(), "--format", "iso9660", "--output", iso.toString(),
                "--timestamp", T);
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());

        String d = Images.ok("isoinfo", "-d", "-i", iso.toString());
        assertTrue(d.contains("Volume id: config-2\n"), d);
        java.util.regex.Matcher size = java.util.regex.Pattern.compile("Volume size is: (\\d+)\n").matcher(d);
        assertTrue(size.find(), d);
        long blocks = Long.parseLong(size.group(1));
        assertEquals(Files.size(iso), blocks * 2048, "the volume space size is the whole image");
        assertTrue(blocks < 65536, blocks + " blocks: cloudbase-init would read " + (blocks & 0xffff));
        assertTrue(d.contains("Joliet with UCS level 3 found"), d);
        Set<String> rockRidge = isoinfoFiles(iso, "-R");
        assertTrue(rockRidge.contains("openstack/latest/user_data") && rockRidge.contains("openstack/content/0004"),
                rockRidge.toString());
        assertEquals(rockRidge, isoinfoFiles(iso, "-J"), "Joliet names");
        JsonNode pycdlib = Images.pycdlib(iso);
        assertEquals(Images.sha256(userData), pycdlib.get("joliet").get("openstack/latest/user_data").asText(),
                "the user data through Joliet");
    }

    private static String[] concat(String[] common, List<String> more, String flag, Path out, String... rest) {
        List<String> all = new java.util.ArrayList<>(Arrays.asList(common));
        all.addAll(more);
        all.add(flag);
        all.add(out.toString());
        all.addAll(Arrays.asList(rest));
        return all.toArray(String[]::new);
    }

    private static Set<String> isoinfoFiles(Path iso, String names) throws Exception {
        Set<String> files = new TreeSet<>();
        String listing = Images.ok("isoinfo", names, "-f", "-i", iso.toString());
        Set<String> all = new TreeSet<>(Arrays.asList(listing.split("\n")));
        for (String p : all) {
            // isoinfo -f lists directories too; a path is a file when no other path lies below it.
            if (!p.isEmpty() && all.stream().noneMatch(q -> q.startsWith(p + "/"))) {
                files.add(p.substring(1));
            }
        }
        return files;
    }

    private static Map<String, String> fields(JsonNode object) {
        Map<String, String> out = new TreeMap<>();
        object.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }
}
