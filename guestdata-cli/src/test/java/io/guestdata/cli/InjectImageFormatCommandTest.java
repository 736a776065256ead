package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guestdata inject --base-image-dir} and {@code guestdata serve --inject-base-image-dirs}: images whose
 * headers name host files exit 7 with a message naming the file as stored; allowed overlays are injected; bad
 * directories are usage or configuration errors naming the flag or key.
 */
@ToolTest
class InjectImageFormatCommandTest {
    @TempDir
    Path tmp;
    Path base;
    Path ext4;

    @BeforeEach
    void guest() throws Exception {
        base = Files.createDirectories(tmp.resolve("_base"));
        ext4 = MinimalGuest.ext4(MinimalGuest.tree(tmp), base.resolve("debian.raw"), 32);
    }

    private static String ok(String... argv) throws Exception {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stderr());
        return r.stdout();
    }

    private static String sha256(Path file) throws Exception {
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        try (InputStream in = Files.newInputStream(file)) {
            md.update(in.readAllBytes());
        }
        return HexFormat.of().formatHex(md.digest());
    }

    private static Cli inject(Path image, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("inject", "--instance",
                CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString(), "--image", image.toString()));
        args.addAll(List.of(extra));
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> Cli.run(args.toArray(String[]::new)),
                "blocked: a file named by the image was opened");
    }

    @Test
    void aHostFileAsBackingFileExitsSevenAndTheImageIsUnchanged() throws Exception {
        Path secret = Files.writeString(tmp.resolve("shadow"), "root:$6$HOSTSECRET$x:19000:0:99999:7:::\n");
        Path img = tmp.resolve("tenant.qcow2");
        ok("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", ext4.toString(), img.toString());
        ok("qemu-img", "rebase", "-q", "-u", "-f", "qcow2", "-b", secret.toString(), "-F", "raw", img.toString());
        String before = sha256(img);
        for (List<String> extra : List.of(List.<String>of(), List.of("--dry-run"), List.of("--partition", "0"),
                List.of("--base-image-dir", base.toString()))) {
            Cli r = inject(img, extra.toArray(String[]::new));
            assertEquals(ExitCode.IMAGE, r.exitCode(), extra + ": " + r);
            assertTrue(r.stderr().startsWith("guestdata: " + img + ": names the backing file '" + secret + "'"), r.stderr());
            assertTrue(r.stderr().contains(extra.isEmpty() || !extra.getFirst().equals("--base-image-dir")
                    ? "--base-image-dir" : "outside every base image directory"), r.stderr());
            assertTrue(r.stderr().endsWith("; nothing was written\n"), r.stderr());
        }
        Cli json = inject(img, "--json");
        JsonNode err = new ObjectMapper().readTree(json.stdout());
        assertEquals(ExitCode.IMAGE, err.get("exit_code").asInt());
        assertTrue(err.get("error").asText().contains("names the backing file '" + secret + "'"), err.toString());
        assertEquals(before, sha256(img));
        assertFalse(new String(Files.readAllBytes(img), StandardCharsets.ISO_8859_1).contains("HOSTSECRET"));
    }

    @Test
    void anOverlayOfABaseImageIsInjectedWithTheBaseImageDir() throws Exception {
        String baseBefore = sha256(ext4);
        Path disk = tmp.resolve("disk.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", ext4.toString(), "-F", "raw", disk.toString());
        Cli r = inject(disk, "--base-image-dir", base.toString(), "--base-image-dir", tmp.resolve("tree").toString());
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("inject: " + disk + " (qcow2)"), r.out());
        assertEquals(baseBefore, sha256(ext4));
        Path flat = tmp.resolve("flat.raw");
        ok("qemu-img", "convert", "-q", "-O", "raw", disk.toString(), flat.toString());
        assertTrue(ok("debugfs", "-R", "cat /root/.ssh/authorized_keys", flat.toString())
                .contains("# The following ssh key was injected by Nova"));
        ok("e2fsck", "-fn", flat.toString());
    }

    @Test
    void anExternalDataFileExitsSevenWithoutBeingOpened() throws Exception {
        Path data = tmp.resolve("data.raw");
        Path img = tmp.resolve("df.qcow2");
        ok("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", "-o", "data_file=" + data, ext4.toString(),
                img.toString());
        Files.delete(data);
        ok("mkfifo", data.toString());
        for (String[] extra : List.of(new String[] {"--dry-run"}, new String[] {}, new String[] {"--partition", "0"})) {
            Cli r = inject(img, extra);
            assertEquals(ExitCode.IMAGE, r.exitCode(), r.toString());
            assertTrue(r.stderr().contains("stores its data in an external data file named '" + data + "'"), r.stderr());
        }
    }

    @Test
    void badBaseImageDirsAreUsageErrorsNamingTheFlag() throws Exception {
        Path img = tmp.resolve("disk.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", img.toString(), "16M");
        for (String bad : List.of("relative/_base", tmp.resolve("missing").toString(), ext4.toString(), "/")) {
            Cli r = inject(img, "--base-image-dir", bad);
            assertEquals(ExitCode.USAGE, r.exitCode(), bad + ": " + r);
            assertTrue(r.stderr().startsWith("guestdata: --base-image-dir " + bad + ": "), r.stderr());
        }
    }

    @Test
    void serveValidatesTheBaseImageDirs() throws Exception {
        Path token = Files.writeString(tmp.resolve("token"), "0123456789abcdef0123\n");
        Path images = Files.createDirectories(tmp.resolve("images"));
        Cli fine = Cli.run("serve", "--api-token-file", token.toString(), "--inject-allowed-dirs", images.toString(),
                "--inject-base-image-dirs", base.toString(), "--check-config");
        assertEquals(ExitCode.OK, fine.exitCode(), fine.toString());
        assertTrue(fine.out().contains("inject-base-image-dirs = " + base + " (--inject-base-image-dirs)"), fine.out());

        Cli relative = Cli.run(Map.of("GUESTDATA_INJECT_BASE_IMAGE_DIRS", "_base"), "serve", "--api-token-file",
                token.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, relative.exitCode(), relative.toString());
        assertTrue(relative.stderr().contains("inject-base-image-dirs (from GUESTDATA_INJECT_BASE_IMAGE_DIRS): '_base'"
                + " must be an absolute path of an existing directory"), relative.stderr());

        for (Path overlapping : List.of(images, tmp)) {
            Cli r = Cli.run("serve", "--api-token-file", token.toString(), "--inject-allowed-dirs", images.toString(),
                    "--inject-base-image-dirs", overlapping.toString(), "--check-config");
            assertEquals(ExitCode.CONFIG, r.exitCode(), r.toString());
            assertTrue(r.stderr().contains("is or contains the inject-allowed-dirs directory " + images), r.stderr());
        }
    }
}
