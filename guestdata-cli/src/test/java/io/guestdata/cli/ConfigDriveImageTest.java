package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.GuestdataVersion;
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
