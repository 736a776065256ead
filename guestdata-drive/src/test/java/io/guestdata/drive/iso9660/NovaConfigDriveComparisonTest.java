package io.guestdata.drive.iso9660;

import static io.guestdata.drive.iso9660.IsoTools.digests;
import static io.guestdata.drive.iso9660.IsoTools.expected;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A typical Nova config drive tree (nova-compat.md §1.8) written by us and by genisoimage with
 * Nova's exact arguments (§6); the real tools must read the same names, attributes and contents
 * from both.
 */
@ToolTest
class NovaConfigDriveComparisonTest {
    static final String PUBLISHER = "OpenStack Nova 26.2.2";

    @TempDir
    Path dir;
    List<ImageFile> files;
    Path ours;
    Path theirs;

    static List<ImageFile> novaTree() {
        List<ImageFile> files = new ArrayList<>();
        byte[] userData = "#cloud-config\nruncmd:\n - echo hello\n".getBytes(StandardCharsets.UTF_8);
        for (String v : List.of("2009-04-04", "latest")) {
            files.add(ImageFile.of("ec2/" + v + "/meta-data.json", ("{\"ami-id\": \"ami-00000001\", \"hostname\": \"vm-1\", "
                    + "\"public-keys\": {\"0\": {\"_name\": \"0=mykey\", \"openssh-key\": \"ssh-ed25519 AAAA test\"}}}")
                    .getBytes(StandardCharsets.UTF_8)));
            files.add(ImageFile.of("ec2/" + v + "/user-data", userData));
        }
        List<String> versions = List.of("2012-08-10", "2013-04-04", "2013-10-17", "2015-10-15", "2016-06-30", "2016-10-06",
                "2017-02-22", "2018-08-27", "2020-10-14", "latest");
        for (int i = 0; i < versions.size(); i++) {
            String v = versions.get(i);
            String base = "openstack/" + v + "/";
            files.add(ImageFile.of(base + "meta_data.json", ("{\"uuid\": \"d8e02d56-2648-49a3-bf97-6be8f1204f38\", "
                    + "\"random_seed\": \"" + "s".repeat(i * 7) + "\", \"name\": \"vm-1\"}").getBytes(StandardCharsets.UTF_8)));
            files.add(ImageFile.of(base + "user_data", userData));
            if (i >= 2) {
                files.add(ImageFile.of(base + "vendor_data.json", "{}".getBytes(StandardCharsets.UTF_8)));
            }
            if (i >= 3) {
                files.add(ImageFile.of(base + "network_data.json",
                        "{\"links\": [], \"networks\": [], \"services\": []}".getBytes(StandardCharsets.UTF_8)));
            }
            if (i >= 5) {
                files.add(ImageFile.of(base + "vendor_data2.json", "{\"static\": {}}".getBytes(StandardCharsets.UTF_8)));
            }
        }
        files.add(ImageFile.of("openstack/content/0000", "injected file\n".getBytes(StandardCharsets.UTF_8)));
        files.add(ImageFile.of("openstack/content/0001", new byte[5000]));
        return files;
    }

    @BeforeEach
    void writeBoth() throws Exception {
        files = novaTree();
        Path tree = dir.resolve("tree");
        for (ImageFile f : files) {
            Path p = tree.resolve(f.path());
            Files.createDirectories(p.getParent());
            try (var in = f.open()) {
                Files.write(p, in.readAllBytes());
            }
        }
        theirs = dir.resolve("genisoimage.iso");
        // nova/virt/configdrive.py, argument order exactly as Nova passes them
        IsoTools.run("genisoimage", "-o", theirs.toString(), "-ldots", "-allow-lowercase", "-allow-multidot", "-l",
                "-publisher", PUBLISHER, "-quiet", "-J", "-r", "-V", "config-2", tree.toString());
        ours = dir.resolve("disk.config");
        new Iso9660Writer(new IsoOptions("config-2", PUBLISHER, Instant.parse("2025-03-04T05:06:07Z"), "GUESTDATA"))
                .write(files, ours);
        IsoStructure.check(ours);
    }

    @Test
    void volumeDescriptionsMatch() {
        for (String line : List.of("Volume id: config-2", "Publisher id: " + PUBLISHER, "Logical block size is: 2048",
                "Joliet with UCS level 3 found", "Rock Ridge signatures version 1 found")) {
            assertTrue(IsoTools.isoinfo(theirs, "-d").contains(line + "\n"), "genisoimage: " + line);
            assertTrue(IsoTools.isoinfo(ours, "-d").contains(line + "\n"), "ours: " + line);
        }
        assertTrue(IsoTools.blkid(ours).contains("LABEL=\"config-2\""));
        assertTrue(IsoTools.blkid(ours).contains("TYPE=\"iso9660\""));
    }

    @Test
    void rockRidgeListingsMatch() {
        assertEquals(entries(theirs, "-R"), entries(ours, "-R"));
    }

    @Test
    void jolietListingsMatch() {
        assertEquals(entries(theirs, "-J"), entries(ours, "-J"));
    }

    @Test
    void primaryListingsMatch() {
        assertEquals(entries(theirs, null), entries(ours, null));
    }

    @Test
    void contentsMatchThroughEveryReader() throws Exception {
        for (ImageFile f : files) {
            byte[] want;
            try (var in = f.open()) {
                want = in.readAllBytes();
            }
            for (Path iso : List.of(ours, theirs)) {
                assertArrayEquals(want, IsoTools.isoinfoExtract(iso, "-R", "/" + f.path()), iso + " -R " + f.path());
                assertArrayEquals(want, IsoTools.isoinfoExtract(iso, "-J", "/" + f.path()), iso + " -J " + f.path());
            }
        }
        JsonNode a = IsoTools.pycdlib(theirs, null);
        JsonNode b = IsoTools.pycdlib(ours, null);
        assertEquals(expected(files), digests(b.get("rr")));
        assertEquals(digests(a.get("rr")), digests(b.get("rr")));
        assertEquals(digests(a.get("joliet")), digests(b.get("joliet")));
        assertEquals(IsoTools.strings(a.get("rr_dirs")), IsoTools.strings(b.get("rr_dirs")));
        assertEquals(IsoTools.strings(a.get("joliet_dirs")), IsoTools.strings(b.get("joliet_dirs")));
        Path x = dir.resolve("x");
        IsoTools.xorrisoExtract(ours, x);
        assertEquals(expected(files), digests(IsoTools.pycdlib(ours, x).get("extracted")));
    }

    /** A listing without dates and extents, as a set of lines. */
    private static Set<String> entries(Path iso, String flag) {
        String out = flag == null ? IsoTools.isoinfo(iso, "-l") : IsoTools.isoinfo(iso, flag, "-l");
        Set<String> lines = IsoTools.listing(out).stream()
                .map(e -> e.directory() + " " + e.mode() + " " + e.links() + " " + e.uid() + " " + e.gid() + " "
                        + e.size() + " " + e.name())
                .collect(Collectors.toCollection(TreeSet::new));
        assertTrue(lines.size() > 60, "listing parsed: " + lines);
        return lines;
    }
}
