package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code guestdata inject}: output, --dry-run, --only, --json, exit codes; results read back with debugfs. */
@ToolTest
class InjectCommandTest {
    @TempDir
    Path tmp;

    Path image;
    Path tree;

    @BeforeEach
    void guest() throws Exception {
        tree = MinimalGuest.tree(tmp);
        image = tmp.resolve("disk.img");
    }

    private Path mkfs() throws Exception {
        return MinimalGuest.ext4(tree, image, 32);
    }

    private static String ok(String... argv) throws Exception {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    private String debugfs(String request) throws Exception {
        return Tool.run(List.of("debugfs", "-R", request, image.toString())).stdout();
    }

    private static String full() throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private Cli inject(String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("inject", "--instance", full(), "--image", image.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    /** What {@code --only key,metadata} of instances/full.json writes, read back from {@code image} with debugfs. */
    static void assertKeyAndMetadataWritten(Cli r, Path image) throws Exception {
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().endsWith("done: 3 written\n"), r.out());
        assertTrue(Tool.run(List.of("debugfs", "-R", "cat /root/.ssh/authorized_keys", image.toString())).stdout()
                .contains("# The following ssh key was injected by Nova\nssh-ed25519 "));
        assertEquals("{\"role\": \"webservers\", \"essential\": \"false\", \"dsmode\": \"local\", \"with space\":"
                + " \"\\u00fcn\\u00efcode\"}", Tool.run(List.of("debugfs", "-R", "cat /meta.js", image.toString())).stdout());
    }

    private void assertClean() throws Exception {
        Command.Result r = Tool.run(List.of("e2fsck", "-fn", image.toString()));
        assertEquals(0, r.exit(), r.stdout() + r.stderr());
    }

    @Test
    void dryRunPrintsThePlanAndLeavesTheImageUnchanged() throws Exception {
        mkfs();
        String before = sha256(image);
        Cli r = inject("--dry-run");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertEquals(before, sha256(image));
        List<String> lines = r.out().lines().toList();
        assertEquals("dry run: " + image + " (raw), the whole disk (ext4), backend ext2fs", lines.get(0));
        assertEquals("ITEM      ACTION   PATH                        BYTES  MODE  OWNER      STATUS", lines.get(1));
        assertEquals("key       mkdir    /root/.ssh                      -  0700  root:root  planned", lines.get(2));
        assertEquals("password  replace  /etc/shadow                   131  0644  root:root  planned", lines.get(7));
        assertEquals("dry run: 10 planned; nothing was written", lines.getLast());
        assertTrue(r.stderr().isEmpty(), r.stderr());
    }

    @Test
    void onlyTheNamedItemsAreWritten() throws Exception {
        mkfs();
        Cli r = inject("--only", "key,metadata", "--partition", "-1");
        assertKeyAndMetadataWritten(r, image);
        assertEquals("root:*:19000:0:99999:7:::\n", debugfs("cat /etc/shadow"));
        assertTrue(debugfs("stat /etc/network").isEmpty());
        assertClean();
    }

    @Test
    void jsonReportForPrograms() throws Exception {
        mkfs();
        Cli r = inject("--json", "--password-hash", "md5");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        JsonNode report = new ObjectMapper().readTree(r.stdout());
        assertEquals("done", report.get("outcome").asText());
        assertEquals(0, report.get("exit_code").asInt());
        assertEquals("ext2fs", report.get("backend").asText());
        assertEquals(10, report.get("counts").get("written").asInt());
        JsonNode keys = report.get("entries").get(1);
        assertEquals("key", keys.get("item").asText());
        assertEquals("append", keys.get("action").asText());
        assertEquals("/root/.ssh/authorized_keys", keys.get("path").asText());
        assertEquals("0600", keys.get("mode").asText());
        assertEquals("root:root", keys.get("owner").asText());
        assertEquals(0, keys.get("uid").asInt());
        assertEquals("written", keys.get("status").asText());
        assertTrue(debugfs("cat /etc/shadow").startsWith("root:$1$"));
        assertClean();
    }

    @Test
    void aRefusalExitsEightAndWritesNothing() throws Exception {
        Files.createSymbolicLink(tree.resolve("root/.ssh"), Path.of("/etc"));
        mkfs();
        String before = sha256(image);
        Cli r = inject();
        assertEquals(ExitCode.REFUSED, r.exitCode(), r.toString());
        assertEquals(before, sha256(image));
        List<String> err = r.stderr().lines().toList();
        assertEquals("guestdata: key /root/.ssh: refused: /root/.ssh is a symlink to /etc; guestdata writes no path"
                + " through a symlink (Nova would follow it inside the guest)", err.get(0));
        assertEquals("guestdata: refused: nothing was written (1 refused, 8 not written)", err.getLast());
        assertTrue(r.out().contains("key       mkdir    /root/.ssh"), r.out());
    }

    @Test
    void bestEffortExitsTenAndWritesTheRest() throws Exception {
        Files.createSymbolicLink(tree.resolve("root/.ssh"), Path.of("/etc"));
        mkfs();
        Cli r = inject("--best-effort");
        assertEquals(ExitCode.PARTIAL, r.exitCode(), r.toString());
        assertTrue(r.stderr().endsWith("guestdata: partial: 8 written, 1 refused\n"), r.stderr());
        assertTrue(debugfs("cat /meta.js").startsWith("{\"role\""));
        assertClean();
    }

    @Test
    void aBackendThatCannotOpenTheImageExitsEleven() throws Exception {
        mkfs();
        Path vmdk = tmp.resolve("disk.vmdk");
        ok("qemu-img", "convert", "-q", "-f", "raw", "-O", "vmdk", image.toString(), vmdk.toString());
        String before = sha256(vmdk);
        List<String> args = List.of("inject", "--instance", full(), "--image", vmdk.toString(), "--backend", "guestfs");
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.BACKEND, r.exitCode(), r.toString());
        // with libguestfs installed: the format; without: what to install
        assertTrue(r.stderr().equals("guestdata: " + vmdk + " is a vmdk image; the guestfs backend opens qcow2 and raw"
                + " images only: convert it (qemu-img convert -O qcow2) or choose another backend\n")
                || r.stderr().contains("Install the Debian packages libguestfs-java and libguestfs-tools"), r.stderr());
        Cli j = Cli.run(java.util.stream.Stream.concat(args.stream(), java.util.stream.Stream.of("--json"))
                .toArray(String[]::new));
        JsonNode err = new ObjectMapper().readTree(j.stdout());
        assertEquals("error", err.get("outcome").asText());
        assertEquals(ExitCode.BACKEND, err.get("exit_code").asInt());
        assertEquals(before, sha256(vmdk));
    }

    @Test
    void imageProblemsExitSeven() throws Exception {
        Cli missing = inject();
        assertEquals(ExitCode.IMAGE, missing.exitCode(), missing.toString());
        assertEquals("guestdata: " + image + ": does not exist; nothing was written\n", missing.stderr());
        mkfs();
        ok("debugfs", "-w", "-R", "feature needs_recovery", image.toString());
        Cli recovery = inject();
        assertEquals(ExitCode.IMAGE, recovery.exitCode(), recovery.toString());
        assertTrue(recovery.stderr().contains("the journal needs recovery"), recovery.stderr());
    }

    @Test
    void usageErrors() throws Exception {
        mkfs();
        for (List<String> bad : List.of(List.of("--only", "key,bogus"), List.of("--partition", "-3"),
                List.of("--password-hash", "sha1"), List.of("--backend", "loop"), List.of("--image-format", "iso"))) {
            Cli r = inject(bad.toArray(String[]::new));
            assertEquals(ExitCode.USAGE, r.exitCode(), bad + ": " + r);
        }
        Cli only = inject("--only", "password", "--only", "bogus");
        assertTrue(only.stderr().contains("unknown injection item 'bogus'; use one of key, net, metadata, password, files"),
                only.stderr());
    }

    @Test
    void partitionMinusTwoDisablesInjection() throws Exception {
        mkfs();
        String before = sha256(image);
        Cli r = inject("--partition", "-2");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().contains("note: injection is disabled (partition -2, Nova's default)"), r.out());
        assertEquals(before, sha256(image));
    }

    @Test
    void novaBootFlagsBuildTheInstance() throws Exception {
        mkfs();
        Path key = CloudInitReadsConfigDriveTreeTest.resource("instances/alice.pub");
        Path file = Files.writeString(tmp.resolve("hello"), "hi\n");
        Cli r = Cli.run("inject", "--image", image.toString(), "--name", "vm1", "--key-name", "alice", "--key",
                key.toString(), "--admin-pass", "pw", "--meta", "a=b", "--file", "/etc/hello=" + file);
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertEquals("{\"a\": \"b\"}", debugfs("cat /meta.js"));
        assertEquals("hi\n", debugfs("cat /etc/hello"));
        String keys = debugfs("cat /root/.ssh/authorized_keys");
        assertEquals("\n# The following ssh key was injected by Nova\n" + Files.readString(key).strip() + "\n", keys);
        assertClean();
    }

    /** root's crypt(3) hash in the image's /etc/shadow checked by openssl for {@code password}. */
    private void assertRootPassword(String password) throws Exception {
        String hash = debugfs("cat /etc/shadow").lines().filter(l -> l.startsWith("root:")).findFirst().orElseThrow()
                .split(":")[1];
        assertTrue(hash.startsWith("$6$"), hash);
        String salt = hash.split("\\$")[2];
        assertEquals(hash, ok("openssl", "passwd", "-6", "-salt", salt, password).strip());
    }

    @Test
    void theAdminPasswordComesFromAFileOrTheEnvironmentAndOnlyOnce() throws Exception {
        mkfs();
        Path secret = Files.writeString(tmp.resolve("pass"), "s3cret pass\n");
        Cli fromFile = Cli.run("inject", "--image", image.toString(), "--name", "vm1", "--admin-pass-file",
                secret.toString());
        assertEquals(ExitCode.OK, fromFile.exitCode(), fromFile.toString());
        assertRootPassword("s3cret pass");
        Cli fromEnvironment = Cli.run(Map.of("GUESTDATA_ADMIN_PASS", "0ther"), "inject", "--image", image.toString(),
                "--name", "vm1");
        assertEquals(ExitCode.OK, fromEnvironment.exitCode(), fromEnvironment.toString());
        assertRootPassword("0ther");
        String before = sha256(image);
        Cli twice = Cli.run(Map.of("GUESTDATA_ADMIN_PASS", "0ther"), "inject", "--image", image.toString(), "--name",
                "vm1", "--admin-pass-file", secret.toString());
        assertEquals(ExitCode.USAGE, twice.exitCode(), twice.toString());
        assertTrue(twice.stderr().contains("the admin password is given 2 times, by --admin-pass-file " + secret
                + " and GUESTDATA_ADMIN_PASS (environment): give it once"), twice.stderr());
        assertFalse(twice.stderr().contains("0ther") || twice.stderr().contains("s3cret"), twice.stderr());
        Cli withDocument = Cli.run(Map.of("GUESTDATA_ADMIN_PASS", "0ther"), "inject", "--image", image.toString(),
                "--instance", full());
        assertEquals(ExitCode.USAGE, withDocument.exitCode(), withDocument.toString());
        assertTrue(withDocument.stderr().contains("--instance cannot be combined with GUESTDATA_ADMIN_PASS (environment)"),
                withDocument.stderr());
        Path empty = Files.writeString(tmp.resolve("empty"), "\n");
        Cli blank = Cli.run("inject", "--image", image.toString(), "--name", "vm1", "--admin-pass-file", empty.toString());
        assertEquals(ExitCode.INVALID_INSTANCE, blank.exitCode(), blank.toString());
        assertTrue(blank.stderr().contains("--admin-pass-file " + empty + ": the file is empty"), blank.stderr());
        assertEquals(before, sha256(image), "refused runs wrote nothing");
        assertTrue(Cli.run("inject", "--help").out().contains("GUESTDATA_ADMIN_PASS"));
    }

    static String read(Path p) throws IOException {
        return Files.readString(p);
    }
}
