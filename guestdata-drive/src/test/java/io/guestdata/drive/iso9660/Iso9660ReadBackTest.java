package io.guestdata.drive.iso9660;

import static io.guestdata.drive.iso9660.IsoTools.digests;
import static io.guestdata.drive.iso9660.IsoTools.expected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images read back by the real tools: isoinfo, xorriso, blkid, pycdlib. */
@ToolTest
class Iso9660ReadBackTest {
    static final IsoOptions OPTIONS = new IsoOptions("config-2", "guestdata 0.1.0",
            Instant.parse("2025-03-04T05:06:07Z"), "GUESTDATA ISO 9660 WRITER");

    @TempDir
    Path dir;

    private Path write(List<ImageFile> files) throws Exception {
        Path iso = dir.resolve("image.iso");
        Iso9660Writer writer = new Iso9660Writer(OPTIONS);
        writer.write(files, iso);
        assertEquals(writer.imageSize(files), Files.size(iso), "imageSize is exact");
        IsoStructure.check(iso);
        return iso;
    }

    static ImageFile text(String path, String content) {
        return ImageFile.of(path, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Rock Ridge through pycdlib and through xorriso's extraction must both give exactly the input. */
    private JsonNode assertRockRidgeExact(Path iso, List<ImageFile> files) {
        Path out = dir.resolve("extracted");
        IsoTools.xorrisoExtract(iso, out);
        JsonNode read = IsoTools.pycdlib(iso, out);
        assertEquals(expected(files), digests(read.get("extracted")), "xorriso extraction");
        assertEquals(expected(files), digests(read.get("rr")), "pycdlib Rock Ridge");
        IsoTools.deleteTree(out);
        return read;
    }

    @Test
    void isoinfoAndBlkidIdentifyAConfigDrive() throws Exception {
        List<ImageFile> files = List.of(text("openstack/latest/meta_data.json", "{}"));
        Path iso = write(files);
        String d = IsoTools.isoinfo(iso, "-d");
        assertTrue(d.contains("Volume id: config-2\n"), d);
        assertTrue(d.contains("Publisher id: guestdata 0.1.0\n"), d);
        assertTrue(d.contains("Application id: GUESTDATA ISO 9660 WRITER\n"), d);
        assertTrue(d.contains("Logical block size is: 2048\n"), d);
        assertTrue(d.contains("Volume size is: " + Files.size(iso) / 2048 + "\n"), d);
        assertTrue(d.contains("Joliet with UCS level 3 found"), d);
        assertTrue(d.contains("Rock Ridge signatures version 1 found"), d);
        String blkid = IsoTools.blkid(iso);
        assertTrue(blkid.contains("LABEL=\"config-2\"") && blkid.contains("TYPE=\"iso9660\""), blkid);
        assertTrue(blkid.contains("UUID=\"2025-03-04-05-06-07-00\""), "creation date from recordedAt: " + blkid);
        JsonNode read = IsoTools.pycdlib(iso, null);
        assertEquals("config-2", read.get("volume_id").asText());
        assertEquals("config-2", read.get("joliet_volume_id").asText());
        assertEquals("guestdata 0.1.0", read.get("publisher").asText());
    }

    @Test
    void rockRidgeAttributesAreNormalisedAsGenisoimageR() throws Exception {
        List<ImageFile> files = List.of(text("a/b/file.txt", "x"), text("a/c", ""), text("top", "t"));
        Path iso = write(files);
        List<IsoTools.ListingEntry> rr = IsoTools.listing(IsoTools.isoinfo(iso, "-R", "-l"));
        Map<String, IsoTools.ListingEntry> byPath = new TreeMap<>();
        rr.forEach(e -> byPath.put(e.directory() + e.name(), e));
        assertEquals("-r--r--r--", byPath.get("/a/b/file.txt").mode());
        assertEquals(1, byPath.get("/a/b/file.txt").links());
        assertEquals(1, byPath.get("/a/b/file.txt").size());
        assertEquals("-r--r--r--", byPath.get("/a/c").mode());
        assertEquals(0, byPath.get("/a/c").size());
        assertEquals("dr-xr-xr-x", byPath.get("/a").mode());
        assertEquals(3, byPath.get("/a").links(), "2 + one subdirectory");
        assertEquals(3, byPath.get("/.").links(), "root: 2 + one subdirectory");
        for (IsoTools.ListingEntry e : rr) {
            assertEquals(0, e.uid());
            assertEquals(0, e.gid());
        }
        String lsdl = IsoTools.xorrisoList(iso);
        assertTrue(lsdl.contains("-r--r--r--    1 0        0               1 Mar  4  2025 '/a/b/file.txt'"), lsdl);
        assertTrue(lsdl.contains("dr-xr-xr-x    1 0        0               0 Mar  4  2025 '/a/b'"), lsdl);
    }

    @Test
    void primaryNamesAreGenisoimageLikeLevel2Names() throws Exception {
        List<ImageFile> files = List.of(text("openstack/2012-08-10/meta_data.json", "1"),
                text("openstack/content/0000", "2"), text("ec2/latest/meta-data.json", "3"),
                text(".hidden", "4"), text("x.y.z", "5"), text("ünï cödé.txt", "6"),
                text("a_very_long_file_name_that_exceeds_thirty_characters.json", "7"));
        Path iso = write(files);
        Set<String> primary = IsoTools.listing(IsoTools.isoinfo(iso, "-l")).stream()
                .map(e -> e.directory() + e.name()).collect(Collectors.toCollection(TreeSet::new));
        for (String p : List.of("/openstack/2012_08_10/meta_data.json;1", "/openstack/content/0000.;1",
                "/ec2/latest/meta_data.json;1", "/.hidden;1", "/x.y.z;1", "/_n__c_d_.txt;1",
                "/a_very_long_file_name_that.json;1")) {
            assertTrue(primary.contains(p), p + " in " + primary);
        }
        assertArrayEquals("6".getBytes(), IsoTools.isoinfoExtract(iso, null, "/_n__c_d_.txt;1"));
        assertRockRidgeExact(iso, files);
    }

    @Test
    void clashingNamesGetUniqueIdentifiersAndKeepTheirRealNames() throws Exception {
        List<ImageFile> files = new ArrayList<>();
        for (String n : List.of("a.txt", "A.txt", "a.TXT", "a:txt", "a;txt", "a_txt", "a?txt", "a.txt.", "a", "A")) {
            files.add(text("d/" + n, n));
        }
        String longA = "L".repeat(70) + ".txt";
        String longB = "L".repeat(71) + ".txt";
        files.add(text("d/" + longA, "la"));
        files.add(text("d/" + longB, "lb"));
        files.add(text("dir/x", "under dir"));
        files.add(text("dir.", "file named dir."));
        Path iso = write(files);
        List<IsoTools.ListingEntry> primary = IsoTools.listing(IsoTools.isoinfo(iso, "-l"));
        Set<String> keys = new HashSet<>();
        for (IsoTools.ListingEntry e : primary) {
            if (!e.name().equals(".") && !e.name().equals("..")) {
                String key = e.directory() + e.name().replaceAll(";1$", "").replaceAll("\\.+$", "").toUpperCase();
                assertTrue(keys.add(key), "primary identifiers unique ignoring case, version and trailing dots: " + key);
                assertTrue(e.name().length() <= 33, e.name());
            }
        }
        JsonNode read = assertRockRidgeExact(iso, files);
        Map<String, IsoTools.Digest> joliet = digests(read.get("joliet"));
        assertEquals(files.size(), joliet.size());
        for (String n : List.of("a.txt", "A.txt", "a.TXT", "a_txt", "a.txt.", "a", "A")) {
            assertEquals(IsoTools.digest(n.getBytes(StandardCharsets.UTF_8)), joliet.get("d/" + n), "Joliet keeps " + n);
        }
        assertEquals(IsoTools.digest("la".getBytes()), joliet.get("d/" + "L".repeat(60) + ".txt"), "cut to 64, extension kept");
        assertEquals(IsoTools.digest("lb".getBytes()), joliet.get("d/" + "L".repeat(58) + "~1.txt"), "clash resolved with ~1");
        assertEquals(new TreeSet<>(List.of("d/a_txt~1", "d/a_txt~2", "d/a_txt~3")),
                joliet.keySet().stream().filter(k -> k.startsWith("d/a_txt~")).collect(Collectors.toCollection(TreeSet::new)),
                "a:txt, a;txt, a?txt map to a_txt, which the exact a_txt keeps");
    }

    @Test
    void jolietHoldsNamesUpTo64UnitsIncludingUnicode() throws Exception {
        List<ImageFile> files = List.of(text("Ünïcödé dir/日本語 ファイル.txt", "ja"), text("emoji/😀 smile.txt", "e"),
                text("x".repeat(64), "64"), text("Mixed Case.Several.Dots.json", "m"));
        Path iso = write(files);
        JsonNode read = assertRockRidgeExact(iso, files);
        assertEquals(expected(files), digests(read.get("joliet")), "pycdlib Joliet");
        List<IsoTools.ListingEntry> j = IsoTools.listing(IsoTools.isoinfo(iso, "-J", "-l"));
        assertTrue(j.stream().anyMatch(e -> e.name().equals("Mixed Case.Several.Dots.json") && e.size() == 1), j.toString());
        assertTrue(j.stream().anyMatch(e -> e.name().equals("x".repeat(64))), j.toString());
        assertArrayEquals("m".getBytes(), IsoTools.isoinfoExtract(iso, "-J", "/Mixed Case.Several.Dots.json"));
        assertArrayEquals("m".getBytes(), IsoTools.isoinfoExtract(iso, "-R", "/Mixed Case.Several.Dots.json"));
    }

    @Test
    void namesOf255BytesTravelInContinuationAreas() throws Exception {
        List<ImageFile> files = new ArrayList<>();
        files.add(text("a".repeat(255), "ascii"));
        files.add(text("é".repeat(127) + "x", "two-byte"));
        files.add(text("😀".repeat(63) + "abc", "four-byte"));
        files.add(text("deep/" + "b".repeat(250) + "/" + "c".repeat(255), "long dir and file"));
        files.add(text("short", "s"));
        Path iso = write(files);
        assertRockRidgeExact(iso, files);
        List<IsoTools.ListingEntry> rr = IsoTools.listing(IsoTools.isoinfo(iso, "-R", "-l"));
        assertTrue(rr.stream().anyMatch(e -> e.name().equals("a".repeat(255)) && e.size() == 5), "isoinfo reads NM across CE");
        assertTrue(rr.stream().anyMatch(e -> e.name().equals("c".repeat(255))), "isoinfo: long name in a long directory");
        assertArrayEquals("ascii".getBytes(), IsoTools.isoinfoExtract(iso, "-R", "/" + "a".repeat(255)));
    }

    @Test
    void directoriesSpanningSeveralSectors() throws Exception {
        List<ImageFile> files = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            String name = i % 3 == 0 ? "file-" + i + "-" + "n".repeat(i % 200) : "f" + i + ".json";
            files.add(text("many/" + name, "content " + i));
        }
        Path iso = write(files);
        JsonNode read = assertRockRidgeExact(iso, files);
        assertEquals(400, read.get("joliet").size());
    }

    @Test
    void emptyFilesHaveNoExtent() throws Exception {
        List<ImageFile> files = List.of(text("empty", ""), text("sub/also-empty", ""), text("one", "1"));
        Path iso = write(files);
        assertRockRidgeExact(iso, files);
        List<IsoTools.ListingEntry> rr = IsoTools.listing(IsoTools.isoinfo(iso, "-R", "-l"));
        assertTrue(rr.stream().anyMatch(e -> e.name().equals("empty") && e.size() == 0), rr.toString());
        assertEquals(0, IsoTools.isoinfoExtract(iso, "-R", "/empty").length);
    }

    @Test
    void directoriesDeeperThanEightLevelsAreRelocatedAndReadBackInPlace() throws Exception {
        List<ImageFile> files = List.of(text("a/b/c/d/e/f/g/h/i/j/k/l/m/deep.txt", "deep"),
                text("a/b/c/d/e/f/g/h/side.txt", "side"), text("a/b/c/d/e/f/g/seventh.txt", "7"),
                text("a/b/c/d/e/f/g/h2/x", "x"), text("p/q/r/s/t/u/v/w/x/y/z/1/2/3/4/5/6/7/8/9/end", "end"),
                text("a/b/c/d/e/f/g/x.y/z.w/dotted", "dots"), text("a/b/c/d/e/f/g/x/z.w/dotted", "dots2"),
                text("a/b/c/d/e/f/g/x.y.txt", "file beside"), text("a/b/c/d/e/f/g/" + "L".repeat(200) + "/f", "long"));
        Path iso = write(files);
        Path out = dir.resolve("extracted");
        IsoTools.xorrisoExtract(iso, out);
        JsonNode read = IsoTools.pycdlib(iso, out);
        assertEquals(expected(files), digests(read.get("extracted")), "xorriso follows CL/PL/RE");
        assertTrue(Files.isDirectory(out.resolve("rr_moved")), "rr_moved stays visible, as with genisoimage");
        assertEquals(List.of(), IsoTools.list(out.resolve("rr_moved")), "relocated directories are hidden there");
        Map<String, IsoTools.Digest> joliet = new TreeMap<>(expected(files));
        joliet.put("a/b/c/d/e/f/g/" + "L".repeat(64) + "/f", joliet.remove("a/b/c/d/e/f/g/" + "L".repeat(200) + "/f"));
        assertEquals(joliet, digests(read.get("joliet")), "Joliet keeps the real tree (names cut to 64)");
        String lsdl = IsoTools.xorrisoList(iso);
        assertTrue(lsdl.contains("dr-xr-xr-x    1 0        0               0 Mar  4  2025 '/a/b/c/d/e/f/g/h/i'"), lsdl);
        assertFalse(lsdl.contains("'/rr_moved/"), lsdl);
    }

    @Test
    void relocationDirectoryNameAvoidsARealRrMoved() throws Exception {
        List<ImageFile> files = List.of(text("rr_moved", "a file of that name"), text("1/2/3/4/5/6/7/8/9/f", "f"));
        Path iso = write(files);
        Path out = dir.resolve("extracted");
        IsoTools.xorrisoExtract(iso, out);
        JsonNode read = IsoTools.pycdlib(iso, out);
        assertEquals(expected(files), digests(read.get("extracted")));
        assertTrue(Files.isDirectory(out.resolve("rr_moved_1")));
    }

    @Test
    void filesAreExtractedByIsoinfoThroughEachHierarchy() throws Exception {
        byte[] big = new byte[3 * 2048 + 17];
        for (int i = 0; i < big.length; i++) {
            big[i] = (byte) (i * 31 + 7);
        }
        List<ImageFile> files = List.of(ImageFile.of("openstack/latest/user_data", big), text("ec2/latest/meta-data.json", "{}"));
        Path iso = write(files);
        assertArrayEquals(big, IsoTools.isoinfoExtract(iso, "-R", "/openstack/latest/user_data"));
        assertArrayEquals(big, IsoTools.isoinfoExtract(iso, "-J", "/openstack/latest/user_data"));
        assertArrayEquals(big, IsoTools.isoinfoExtract(iso, null, "/openstack/latest/user_data.;1"));
        assertArrayEquals("{}".getBytes(), IsoTools.isoinfoExtract(iso, "-R", "/ec2/latest/meta-data.json"));
    }
}
