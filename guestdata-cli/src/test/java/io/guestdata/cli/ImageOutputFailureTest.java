package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile and mistaken use of {@code configdrive} with image formats: each is refused with one clear
 * line on stderr and a specific exit code, and leaves no file behind (no image, no temporary file), an
 * existing file untouched. Also the failures that only happen while writing (a file size limit reached
 * mid-image), and memory: a 1 GiB image is streamed by a JVM with a 24 MiB heap.
 */
@ToolTest
class ImageOutputFailureTest {
    @TempDir
    Path tmp;

    private static String full() throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString();
    }

    private static Cli configdrive(String format, Path output, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("configdrive", "--instance", full(), "--format", format,
                "--output", output.toString()));
        args.addAll(Arrays.asList(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static void assertRefused(Cli r, int exitCode, String mentions) {
        assertEquals(exitCode, r.exitCode(), r.toString());
        assertEquals(1, r.stderr().lines().count(), "one line: " + r.stderr());
        assertTrue(r.stderr().startsWith("guestdata: ") && r.stderr().contains(mentions), r.stderr());
        assertEquals("", r.out(), "nothing on stdout");
    }

    private List<Path> left() throws Exception {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.sorted().toList();
        }
    }

    @Test
    void anExistingImageIsNotReplacedWithoutForce() throws Exception {
        for (String format : List.of("iso9660", "vfat")) {
            Path out = Files.write(tmp.resolve("disk.config"), "mine".getBytes(StandardCharsets.US_ASCII));
            assertRefused(configdrive(format, out), ExitCode.OUTPUT, "give --force");
            assertArrayEquals("mine".getBytes(StandardCharsets.US_ASCII), Files.readAllBytes(out));
            assertEquals(List.of(out), left(), "no temporary file left");
            Files.delete(out);
        }
    }

    @Test
    void forceReplacesTheFileAndNotWhatASymlinkPointsTo() throws Exception {
        Path out = Files.write(tmp.resolve("disk.config"), new byte[] {1});
        Cli r = configdrive("iso9660", out, "--force");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(Files.size(out) > 2048);
        assertEquals(List.of(out), left());

        Path victim = Files.write(tmp.resolve("victim"), new byte[] {2});
        Path link = Files.createSymbolicLink(tmp.resolve("link.iso"), victim);
        assertRefused(configdrive("iso9660", link), ExitCode.OUTPUT, "exists");
        assertEquals(ExitCode.OK, configdrive("iso9660", link, "--force").exitCode());
        assertFalse(Files.isSymbolicLink(link), "the link itself is replaced by the image");
        assertArrayEquals(new byte[] {2}, Files.readAllBytes(victim), "what it pointed to is untouched");
    }

    @Test
    void aMissingOrUnwritableDirectoryOrADirectoryTargetIsRefused() throws Exception {
        assertRefused(configdrive("iso9660", tmp.resolve("no/such/dir/disk.config")), ExitCode.OUTPUT, "does not exist");
        assertFalse(Files.exists(tmp.resolve("no")));
        Path dir = Files.createDirectory(tmp.resolve("adir"));
        assertRefused(configdrive("vfat", dir), ExitCode.OUTPUT, "is a directory");
        // Tests run as root, for whom permission bits do not stop writing: /proc refuses new files to anyone.
        Path proc = Path.of("/proc/guestdata-test-" + ProcessHandle.current().pid() + ".iso");
        Cli r = configdrive("iso9660", proc);
        assertRefused(r, ExitCode.OUTPUT, "/proc");
        assertFalse(Files.exists(proc));
        assertEquals(List.of(dir), left());
    }

    @Test
    void timesAndSizesOutOfRangeAreUsageErrors() throws Exception {
        Path out = tmp.resolve("disk.config");
        assertRefused(configdrive("iso9660", out, "--timestamp", "315532799"), ExitCode.USAGE, "out of range");
        assertRefused(configdrive("vfat", out, "--timestamp", "4354819199"), ExitCode.USAGE, "2107");
        for (String bad : List.of("abc", "", " 12", "1.5e9")) {
            Cli r = Cli.run(Map.of("SOURCE_DATE_EPOCH", bad), "configdrive", "--instance", full(), "--format",
                    "iso9660", "--output", out.toString());
            if (bad.isEmpty() || bad.equals(" 12")) {
                // empty means unset; " 12" is 1970, out of range
                assertEquals(bad.isEmpty() ? ExitCode.OK : ExitCode.USAGE, r.exitCode(), r.toString());
                Files.deleteIfExists(out);
                continue;
            }
            assertRefused(r, ExitCode.USAGE, "SOURCE_DATE_EPOCH");
        }
        assertEquals(ExitCode.USAGE, configdrive("vfat", out, "--volume-size", "lots").exitCode());
        assertEquals(ExitCode.USAGE, configdrive("vfat", out, "--volume-size", "2T").exitCode());
        assertRefused(configdrive("iso9660", out, "--volume-size", "64M"), ExitCode.USAGE, "VFAT images only");
        assertEquals(List.of(), left());
    }

    @Test
    void optionsForAnotherFormatAreUsageErrors() throws Exception {
        Path out = tmp.resolve("x");
        assertRefused(configdrive("iso9660", out, "--drop-files"), ExitCode.USAGE, "--drop-files");
        assertRefused(configdrive("vfat", out, "--nocloud-filesystem", "vfat"), ExitCode.USAGE, "--nocloud-filesystem");
        assertRefused(configdrive("tree", out, "--force"), ExitCode.USAGE, "--force");
        assertRefused(configdrive("tree", out, "--timestamp", "1717243200"), ExitCode.USAGE, "--timestamp");
        assertRefused(configdrive("nocloud", out, "--drop-files", "--volume-size", "1M"), ExitCode.USAGE,
                "VFAT images only");
        assertEquals(ExitCode.USAGE, configdrive("floppy", out).exitCode());
        assertEquals(List.of(), left());
    }

    @Test
    void vendorDataCloudInitCannotProcessIsRefusedForNoCloud() throws Exception {
        Path doc = Files.writeString(tmp.resolve("doc.json"), """
                {"uuid": "d5a0a4c8-3b9a-4b1e-8f3e-3f1a2b3c4d5e", "name": "v",
                 "vendor_data": {"cloud-init": ["#cloud-config\\n", {"not": "text"}]}}
                """);
        Path out = tmp.resolve("seed.iso");
        Cli r = Cli.run("configdrive", "--instance", doc.toString(), "--format", "nocloud", "--output", out.toString());
        assertRefused(r, ExitCode.FORMAT_LIMIT, "vendor_data/cloud-init/1");
        assertEquals(List.of(doc), left());
        assertEquals(ExitCode.OK, Cli.run("configdrive", "--instance", doc.toString(), "--format", "iso9660",
                "--output", out.toString()).exitCode(), "a config drive carries vendor data as it is");
    }

    @Test
    void aFailureWhileWritingLeavesNothing() throws Exception {
        // A file size limit of 512 KiB: the 64 MiB VFAT image fails part way (EFBIG; the JVM ignores SIGXFSZ).
        Path out = tmp.resolve("disk.config");
        Process p = childJvm(List.of("bash", "-c", "ulimit -f 512; exec \"$0\" \"$@\""), List.of(),
                "configdrive", "--instance", full(), "--format", "vfat", "--output", out.toString());
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(ExitCode.OUTPUT, p.exitValue(), stderr);
        assertTrue(stderr.contains("writing the image failed") && stderr.contains("File too large")
                && stderr.contains("nothing written"), stderr);
        assertEquals(List.of(), left(), "neither the image nor its temporary file may be left");
    }

    @Test
    void aLargeImageIsStreamedNotHeldInMemory() throws Exception {
        // Nova's largest user data (65535 base64 characters) and five largest files, a 1 GiB FAT32 volume,
        // written by a JVM whose whole heap is 24 MiB.
        byte[] userData = new byte[65535 / 4 * 3];
        new java.util.Random(1).nextBytes(userData);
        StringBuilder files = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            byte[] content = new byte[10240 / 4 * 3];
            new java.util.Random(i).nextBytes(content);
            files.append(i == 0 ? "" : ", ").append("{\"path\": \"/opt/f").append(i).append("\", \"contents\": \"")
                    .append(Base64.getEncoder().encodeToString(content)).append("\"}");
        }
        Path doc = Files.writeString(tmp.resolve("big.json"), "{\"uuid\": \"d5a0a4c8-3b9a-4b1e-8f3e-3f1a2b3c4d5e\","
                + " \"name\": \"big\", \"user_data\": \"" + Base64.getEncoder().encodeToString(userData) + "\","
                + " \"files\": [" + files + "]}");
        Path out = tmp.resolve("big.img");
        Process p = childJvm(List.of(), List.of("-Xmx24m"), "configdrive", "--instance", doc.toString(),
                "--format", "vfat", "--volume-size", "1G", "--output", out.toString());
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), stderr);
        assertEquals(1L << 30, Files.size(out));
        Images.ok("fsck.fat", "-n", out.toString());
        Path extracted = Images.extractFat(out, tmp.resolve("x"));
        assertArrayEquals(userData, Files.readAllBytes(extracted.resolve("openstack/latest/user_data")));
    }

    /** Runs the CLI in a new JVM ({@code prefix} before the java command, {@code jvmOptions} after it). */
    private static Process childJvm(List<String> prefix, List<String> jvmOptions, String... args) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(prefix);
        command.add(java);
        command.addAll(jvmOptions);
        command.addAll(List.of("-XX:+UseSerialGC", "-cp", classPath, Main.class.getName()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().remove(BuildTime.SOURCE_DATE_EPOCH);
        return pb.start();
    }
}
