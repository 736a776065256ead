package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.inject.ceph.CephCluster;
import io.guestdata.inject.fs.Ext2Tools;
import io.guestdata.testkit.CephTest;
import io.guestdata.testkit.Command;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code guestdata configdrive --output rbd:…} against the shared test cluster (issue 11): the drive in RBD is the
 * same bytes as the drive written to a file, the image is what Nova's {@code rbd import --image-format=2} makes
 * (format 2, the drive's size, sparse) under Nova's name, it appears only complete, an existing image is kept
 * without {@code --force} and while a client has it open, and {@code --libvirt-xml} is the network disk Nova's
 * own {@code imagebackend.Rbd.libvirt_info} makes for it against the same cluster.
 */
@CephTest
class ConfigDriveRbdTest {
    private static final String UUID = "83679162-1378-4288-a2d4-70e13ec132aa";
    private static final String SECRET = "5b8c0a5e-3f0e-4c1d-9a7b-2d6e4f8a1c3b";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final CephCluster.Scratch scratch = new CephCluster.Scratch();
    private final CephCluster ceph = scratch.cluster();

    @TempDir
    Path tmp;

    private static String doc() throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString();
    }

    /** A fresh image name (Nova's is {@code <uuid>_disk.config}; tests share the cluster, so a suffix keeps them apart). */
    private String name() {
        return scratch.image(ceph.pool() + "/" + CephCluster.uniqueName(UUID + "_disk.config")).substring(
                ceph.pool().length() + 1);
    }

    private String rbd(String image) {
        return "rbd:" + ceph.pool() + "/" + image + ":id=" + ceph.user() + ":conf=" + ceph.conf();
    }

    private static Cli configdrive(String format, String output, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("configdrive", "--instance", doc(), "--format", format,
                "--timestamp", "1700000000", "--output", output));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private int exports;

    private Path export(String image) {
        Path out = tmp.resolve(image + ".exported-" + ++exports);
        ceph.rbdAdminOk("export", "--no-progress", ceph.pool() + "/" + image, out.toString());
        return out;
    }

    /** The drive's file names, read with isoinfo (Rock Ridge) or mtools. */
    private static String listing(String format, Path drive) {
        List<String> cmd = format.equals("iso9660") ? List.of("isoinfo", "-R", "-f", "-i", drive.toString())
                : List.of("mdir", "-/", "-b", "-i", drive.toString(), "::");
        Command.Result r = Ext2Tools.run(cmd);
        assertEquals(0, r.exit(), r.stderr());
        assertTrue(r.stdout().contains("user_data"), r.stdout());
        return r.stdout().lines().sorted().toList().toString();
    }

    private static String userData(String format, Path drive) {
        List<String> cmd = format.equals("iso9660")
                ? List.of("isoinfo", "-R", "-i", drive.toString(), "-x", "/openstack/latest/user_data")
                : List.of("mtype", "-i", drive.toString(), "::/openstack/latest/user_data");
        Command.Result r = Ext2Tools.run(cmd);
        assertEquals(0, r.exit(), r.stderr());
        assertFalse(r.stdout().isEmpty());
        return r.stdout();
    }

    private JsonNode info(String image) throws Exception {
        return JSON.readTree(ceph.rbdAdminOk("info", "--format", "json", ceph.pool() + "/" + image));
    }

    private List<String> leftovers() {
        return ceph.rbdAdminOk("ls", ceph.pool()).lines().filter(n -> n.contains(".guestdata-")).toList();
    }

    @Test
    void bothFormatsAreTheFilesBytesInAFormat2ImageOfTheirSizeWrittenSparse() throws Exception {
        for (String format : List.of("iso9660", "vfat")) {
            Path file = tmp.resolve("disk.config." + format);
            assertEquals(ExitCode.OK, configdrive(format, file.toString()).exitCode());
            String image = name();
            Cli r = configdrive(format, rbd(image));
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            assertTrue(r.out().startsWith("wrote ") && r.out().contains("rbd:" + ceph.pool() + "/" + image),
                    r.out());
            Path exported = export(image);
            // the same drive but for meta_data.json's random_seed, which is new for every drive (as Nova's)
            assertEquals(listing(format, file), listing(format, exported), format + ": the same files");
            assertEquals(userData(format, file), userData(format, exported), format + ": the same user data");
            JsonNode info = info(image);
            assertEquals(2, info.path("format").asInt(), info.toString());
            assertEquals(Files.size(file), info.path("size").asLong(), info.toString());
            JsonNode du = JSON.readTree(ceph.rbdAdminOk("du", "--format", "json", ceph.pool() + "/" + image));
            long used = du.path("images").get(0).path("used_size").asLong();
            if (format.equals("vfat")) {
                assertTrue(used < Files.size(file) / 4, "a 64 MiB VFAT drive is mostly zeros, not written: " + du);
            }
        }
        assertEquals(List.of(), leftovers(), "no temporary image is left");
    }

    @Test
    void anExistingImageIsKeptWithoutForceAndReplacedWithIt() throws Exception {
        String image = name();
        assertEquals(ExitCode.OK, configdrive("iso9660", rbd(image)).exitCode());
        String before = Ext2Tools.sha256(export(image));
        Cli again = Cli.run("configdrive", "--instance", doc(), "--format", "iso9660", "--timestamp", "1800000000",
                "--output", rbd(image));
        assertEquals(ExitCode.OUTPUT, again.exitCode(), again.toString());
        assertTrue(again.stderr().contains("exists; give --force"), again.stderr());
        assertEquals(before, Ext2Tools.sha256(export(image)), "kept");
        Cli forced = Cli.run("configdrive", "--instance", doc(), "--format", "iso9660", "--timestamp", "1800000000",
                "--output", rbd(image), "--force");
        assertEquals(ExitCode.OK, forced.exitCode(), forced.toString());
        assertNotEquals(before, Ext2Tools.sha256(export(image)), "replaced (another timestamp, other bytes)");
        assertEquals(List.of(), leftovers());
    }

    @Test
    void aDriveAVmHasOpenIsNotReplaced() throws Exception {
        String image = name();
        assertEquals(ExitCode.OK, configdrive("iso9660", rbd(image)).exitCode());
        String before = Ext2Tools.sha256(export(image));
        scratch.client(ceph.librbdClient(image, "hold"));
        Cli r = Cli.run("configdrive", "--instance", doc(), "--format", "iso9660", "--timestamp", "1800000000",
                "--output", rbd(image), "--force");
        assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("open elsewhere") && r.stderr().contains("existing drive is kept"), r.stderr());
        assertEquals(before, Ext2Tools.sha256(export(image)));
        assertEquals(List.of(), leftovers(), "the new drive written meanwhile is removed");
    }

    @Test
    void theLibvirtXmlIsTheNetworkDiskNovasRbdBackendMakes() throws Exception {
        for (String[] c : new String[][] {{"iso9660", "pc"}, {"iso9660", "q35"}, {"vfat", "pc"}}) {
            String image = UUID + "_disk.config";
            scratch.image(ceph.pool() + "/" + image);
            // Nova 26's RBD backend is the oracle (Debian 13's root has no ceph CLI for get_mon_addrs), so the
            // SMBIOS version is Nova 26's (the release's own version: LibvirtXmlTest)
            Cli r = configdrive(c[0], rbd(image), "--force", "--libvirt-xml", "--machine-type", c[1],
                    "--rbd-secret-uuid", SECRET, "--nova-release", "26");
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            Command.Result nova = Tool.python("tools/nova-oracle/nova_libvirt_xml.py", "--format", c[0], "--machine-type",
                    c[1], "--uuid", UUID, "--rbd-pool", ceph.pool(), "--ceph-conf", ceph.conf().toString(),
                    "--rbd-user", ceph.user(), "--rbd-secret-uuid", SECRET);
            assertEquals(0, nova.exit(), nova.stderr());
            assertEquals(LibvirtXmlTest.structure(LibvirtXmlTest.parse(nova.stdout())),
                    LibvirtXmlTest.structure(LibvirtXmlTest.parse(r.out())),
                    "ours:\n" + r.out() + "Nova's:\n" + nova.stdout());
            assertTrue(r.out().contains("<host name=\"127.0.0.1\" port=\"" + ceph.monHost().split(":")[1] + "\"/>"),
                    r.out());
        }
    }

    @Test
    void badTargetsAreRefusedAndNothingIsWritten() throws Exception {
        String image = name();
        String[][] cases = {
            {"tree", rbd(image), "" + ExitCode.USAGE, "--format tree writes a directory"},
            {"iso9660", "rbd:" + ceph.pool() + "/" + image + ":key=AQBsecret", "" + ExitCode.USAGE, "keyring"},
            {"iso9660", "rbd:" + ceph.pool(), "" + ExitCode.USAGE, "--output: rbd:"},
            {"iso9660", "rbd:nopool/" + image + ":id=" + ceph.user() + ":conf=" + ceph.conf(), "" + ExitCode.OUTPUT,
                "no pool nopool"},
            {"iso9660", "rbd:" + ceph.pool() + "/" + image + ":id=nobody:conf=" + ceph.conf()
                + ":keyring=" + ceph.keyring(), "" + ExitCode.OUTPUT, "cannot connect"},
        };
        for (String[] c : cases) {
            Cli r = configdrive(c[0], c[1]);
            assertEquals(Integer.parseInt(c[2]), r.exitCode(), r.toString());
            assertTrue(r.stderr().contains(c[3]), c[3] + " in " + r.stderr());
            assertFalse(r.stderr().contains("AQBsecret"), "a key given on the command line is never echoed");
        }
        Cli noSecret = configdrive("iso9660", rbd(image), "--libvirt-xml");
        assertEquals(ExitCode.USAGE, noSecret.exitCode());
        assertTrue(noSecret.stderr().contains("--rbd-secret-uuid"), noSecret.stderr());
        assertFalse(ceph.rbdAdminOk("ls", ceph.pool()).lines().anyMatch(image::equals), "nothing written");
        assertEquals(List.of(), leftovers());
    }
}
