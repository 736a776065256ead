package io.guestdata.cli;

import io.guestdata.drive.DriveKind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.testkit.ToolTest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code guestdata batch}: good documents written and bad ones reported (with the validator's rule ids) in the
 * same run, nothing left of a failed one; every format's drive read by the real tools and equal, byte for byte
 * but for the random seeds, to what {@code configdrive} writes for the same document and time; the same drives
 * with 1 and 4 workers; newline-delimited JSON on stdin in a JVM of 32 MiB of heap.
 */
@ToolTest
class BatchCommandTest {
    /** 2024-06-01T12:00:00Z, as ConfigDriveImageTest. */
    private static final String T = "1717243200";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FULL = "83679162-1378-4288-a2d4-70e13ec132aa";
    private static final String MINIMAL = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";
    private static final String DHCP = "0f4a3a2e-6f0b-4a7e-9a65-2d1e4b1c8f77";

    @TempDir
    Path tmp;

    private static Path resource(String name) throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource(name);
    }

    private Path goodDocuments() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("good"));
        Files.copy(resource("instances/full.json"), in.resolve("a-full.json"));
        Files.copy(resource("instances/minimal.json"), in.resolve("b-minimal.json"));
        Files.copy(resource("instances/dhcp.json"), in.resolve("c-dhcp.json"));
        return in;
    }

    private static Cli batch(Path in, String format, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("batch", "--input", in.toString(), "--format", format,
                "--output-dir", out.toString()));
        args.addAll(Arrays.asList(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    private static JsonNode summary(Cli r) throws Exception {
        JsonNode s = JSON.readTree(r.stdout());
        assertEquals(s.get("documents").size(), s.get("counts").get("documents").asInt(), r.out());
        return s;
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }

    @Test
    void goodDocumentsAreWrittenAndBadOnesReportedWithTheirRuleIdsLeavingNothing() throws Exception {
        Path in = goodDocuments();
        Files.writeString(in.resolve("d-invalid.json"), """
                {"uuid": "nope", "name": "x", "metadata": {"bad/key": "v"}}""");
        Files.writeString(in.resolve("e-syntax.json"), "{\"uuid\": ");
        Files.copy(resource("instances/minimal.json"), in.resolve("f-duplicate.json"));
        Files.writeString(in.resolve("notes.txt"), "not a document");
        Files.writeString(in.resolve(".hidden.json"), "{}");
        Files.createDirectories(in.resolve("sub.json"));
        Path out = Files.createDirectories(tmp.resolve("out"));
        Path existing = Files.writeString(out.resolve(DHCP + ".iso"), "mine");

        Cli r = batch(in, "iso9660", out, "--timestamp", T, "--jobs", "2");

        assertEquals(ExitCode.BATCH_FAILED, r.exitCode(), r.toString());
        JsonNode s = summary(r);
        assertEquals("iso9660", s.get("format").asText());
        assertEquals(JSON.readTree("{\"documents\":6,\"written\":2,\"failed\":4}"), s.get("counts"));
        List<String> sources = new ArrayList<>();
        s.get("documents").forEach(d -> sources.add(Path.of(d.get("source").asText()).getFileName().toString()));
        assertEquals(List.of("a-full.json", "b-minimal.json", "c-dhcp.json", "d-invalid.json", "e-syntax.json",
                "f-duplicate.json"), sources, "every *.json file but hidden ones and directories, by name");

        JsonNode full = s.get("documents").get(0);
        assertEquals("written", full.get("status").asText());
        assertEquals(FULL, full.get("uuid").asText());
        assertEquals(out.resolve(FULL + ".iso").toString(), full.get("output").asText());
        assertEquals(Files.size(out.resolve(FULL + ".iso")), full.get("bytes").asLong());
        assertEquals(0, full.get("exit_code").asInt());
        assertEquals(0, full.get("errors").size());

        JsonNode dhcp = s.get("documents").get(2);
        assertFailed(dhcp, ExitCode.OUTPUT, BatchError.OUTPUT);
        assertTrue(dhcp.get("errors").get(0).get("message").asText().contains("give --force"), dhcp.toString());
        assertEquals("mine", Files.readString(existing), "an existing image is not replaced without --force");

        JsonNode invalid = s.get("documents").get(3);
        assertEquals(ExitCode.INVALID_INSTANCE, invalid.get("exit_code").asInt());
        assertFalse(invalid.has("uuid"));
        Map<String, String> rules = new TreeMap<>();
        invalid.get("errors").forEach(e -> rules.put(e.get("rule").asText(), e.get("pointer").asText()));
        assertEquals(Map.of("uuid.format", "/uuid", "metadata.key.pattern", "/metadata/bad~1key"), rules,
                "every rule broken, as validate reports it");
        Cli validate = Cli.run("validate", "--instance", in.resolve("d-invalid.json").toString());
        assertEquals(ExitCode.INVALID_INSTANCE, validate.exitCode());
        invalid.get("errors").forEach(e -> assertTrue(validate.stderr().contains("[" + e.get("rule").asText()),
                "the same rule ids as validate: " + validate.stderr()));

        assertFailed(s.get("documents").get(4), ExitCode.INVALID_INSTANCE, "json.syntax");
        JsonNode duplicate = s.get("documents").get(5);
        assertFailed(duplicate, ExitCode.OUTPUT, BatchError.DUPLICATE_UUID);
        assertEquals(MINIMAL, duplicate.get("uuid").asText());
        assertTrue(duplicate.get("errors").get(0).get("message").asText().contains("b-minimal.json"));

        assertEquals(List.of(out.resolve(DHCP + ".iso"), out.resolve(FULL + ".iso"), out.resolve(MINIMAL + ".iso")),
                list(out), "the written drives and the file that was there; no temporary file");
        List<String> failures = r.stderr().lines().filter(l -> l.contains(": failed (exit ")).toList();
        assertEquals(4, failures.size(), r.stderr());
        assertTrue(failures.get(1).contains("d-invalid.json: failed (exit 3): /uuid: ") && failures.get(1)
                .contains("[uuid.format]"), failures.get(1));
        assertTrue(r.stderr().strip().endsWith("ms") && r.stderr().contains("6 document(s): 2 written, 4 failed"),
                r.stderr());
    }

    private static void assertFailed(JsonNode entry, int exitCode, String rule) {
        assertEquals("failed", entry.get("status").asText(), entry.toString());
        assertEquals(exitCode, entry.get("exit_code").asInt(), entry.toString());
        assertEquals(rule, entry.get("errors").get(0).get("rule").asText(), entry.toString());
        assertFalse(entry.has("output"), entry.toString());
    }

    @Test
    void forceReplacesExistingImagesAndEveryDocumentWrittenExitsZero() throws Exception {
        Path in = goodDocuments();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve(DHCP + ".vfat.img"), "old");
        Cli r = batch(in, "vfat", out, "--force", "--volume-size", "8M", "--timestamp", T);
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertEquals(3, summary(r).get("counts").get("written").asInt());
        assertEquals(8L << 20, Files.size(out.resolve(DHCP + ".vfat.img")), "replaced by the drive");
        assertEquals(3, list(out).size());
    }

    @Test
    void aDriveThatCannotBeWrittenFailsAloneAndLeavesNoTemporaryFile() throws Exception {
        Path in = goodDocuments();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.createDirectories(out.resolve(MINIMAL + ".iso"));   // its name is taken by a directory
        Cli r = batch(in, "iso9660", out, "--force");
        assertEquals(ExitCode.BATCH_FAILED, r.exitCode(), r.toString());
        JsonNode failed = summary(r).get("documents").get(1);
        assertFailed(failed, ExitCode.OUTPUT, BatchError.OUTPUT);
        assertTrue(failed.get("errors").get(0).get("message").asText().contains("is a directory"), failed.toString());
        assertEquals(List.of(out.resolve(DHCP + ".iso"), out.resolve(FULL + ".iso"), out.resolve(MINIMAL + ".iso")),
                list(out), "the two others written, nothing else");
        assertTrue(Files.isDirectory(out.resolve(MINIMAL + ".iso")));
    }

    @Test
    void aNoCloudSeedRefusesAnInstanceWithFilesAndWritesTheOthers() throws Exception {
        Path in = goodDocuments();
        Path out = Files.createDirectories(tmp.resolve("out"));
        Cli r = batch(in, "nocloud", out, "--timestamp", T);
        assertEquals(ExitCode.BATCH_FAILED, r.exitCode(), r.toString());
        JsonNode s = summary(r);
        assertFailed(s.get("documents").get(0), ExitCode.FORMAT_LIMIT, BatchError.FORMAT);
        assertTrue(s.get("documents").get(0).get("errors").get(0).get("message").asText().contains("--drop-files"));
        assertEquals(List.of(out.resolve(DHCP + ".nocloud.iso"), out.resolve(MINIMAL + ".nocloud.iso")), list(out));
    }

    @Test
    void everyFormatIsWhatConfigdriveWritesAndTheRealReadersReadIt() throws Exception {
        Path in = goodDocuments();
        record Case(String format, List<String> extra, String suffix) {
        }
        for (Case c : List.of(new Case("tree", List.of(), ""), new Case("iso9660", List.of(), ".iso"),
                new Case("vfat", List.of(), ".vfat.img"),
                new Case("nocloud", List.of("--drop-files"), ".nocloud.iso"),
                new Case("nocloud", List.of("--drop-files", "--nocloud-filesystem", "vfat"), ".nocloud.img"))) {
            Path out = Files.createDirectories(tmp.resolve("batch-" + c.format() + c.suffix()));
            List<String> extra = new ArrayList<>(c.extra());
            if (!c.format().equals("tree")) {
                extra.addAll(List.of("--timestamp", T));
            }
            Cli r = batch(in, c.format(), out, extra.toArray(String[]::new));
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            for (String doc : List.of("a-full.json", "b-minimal.json", "c-dhcp.json")) {
                String uuid = JSON.readTree(in.resolve(doc).toFile()).get("uuid").asText();
                Path ours = out.resolve(uuid + c.suffix());
                Path single = tmp.resolve("single-" + uuid + c.suffix() + "-" + c.extra().size());
                List<String> args = new ArrayList<>(List.of("configdrive", "--instance", in.resolve(doc).toString(),
                        "--format", c.format(), "--output", single.toString()));
                args.addAll(extra);
                Cli one = Cli.run(args.toArray(String[]::new));
                assertEquals(ExitCode.OK, one.exitCode(), one.toString());
                String what = c.format() + " " + c.extra() + " " + doc;
                if (c.format().equals("tree")) {
                    assertEquals(Images.maskedFiles(single), Images.maskedFiles(ours), what);
                    continue;
                }
                byte[] masked = Images.maskedImage(ours);
                assertFalse(Arrays.equals(Files.readAllBytes(ours), masked), what + ": the random seeds were masked");
                assertArrayEquals(Images.maskedImage(single), masked, what + ": configdrive's bytes");
                Path extracted = tmp.resolve("x-" + c.format() + c.suffix() + "-" + uuid);
                if (c.suffix().endsWith(".iso")) {
                    String d = Images.ok("isoinfo", "-d", "-i", ours.toString());
                    String label = c.format().equals("nocloud") ? "cidata" : "config-2";
                    assertTrue(d.contains("Volume id: " + label + "\n") && d.contains("Rock Ridge"), d);
                    Images.extractIso(ours, extracted);
                } else {
                    Images.ok("fsck.fat", "-n", ours.toString());
                    Images.extractFat(ours, extracted);
                }
                if (c.format().equals("nocloud")) {
                    Images.noCloudView(extracted);
                } else {
                    Path tree = tmp.resolve("tree-" + uuid);
                    if (!Files.exists(tree)) {
                        assertEquals(ExitCode.OK, Cli.run("configdrive", "--instance", in.resolve(doc).toString(),
                                "--format", "tree", "--output", tree.toString()).exitCode());
                    }
                    assertEquals(Images.maskedFiles(tree), Images.maskedFiles(extracted), what + ": the drive's tree");
                }
            }
        }
    }

    @Test
    void oneWorkerAndFourWriteTheSameDrivesAndTheSameSummary() throws Exception {
        Path in = Files.createDirectories(tmp.resolve("many"));
        ObjectNode doc = (ObjectNode) JSON.readTree(resource("instances/full.json").toFile());
        for (int i = 0; i < 24; i++) {
            doc.put("uuid", String.format("00000000-0000-4000-8000-%012d", i));
            doc.put("name", "vm-" + i);
            Files.write(in.resolve(String.format("vm-%03d.json", i)), JSON.writeValueAsBytes(doc));
        }
        Files.writeString(in.resolve("vm-005.json"), "{}");   // one bad document among them
        Map<String, JsonNode> summaries = new TreeMap<>();
        Map<String, Map<String, byte[]>> drives = new TreeMap<>();
        for (String jobs : List.of("1", "4")) {
            Path out = Files.createDirectories(tmp.resolve("jobs-" + jobs));
            Cli r = batch(in, "iso9660", out, "--jobs", jobs, "--timestamp", T);
            assertEquals(ExitCode.BATCH_FAILED, r.exitCode(), r.toString());
            ObjectNode s = (ObjectNode) summary(r);
            s.remove(List.of("elapsed_ms", "output_dir"));
            s.get("documents").forEach(d -> ((ObjectNode) d).remove("output"));
            summaries.put(jobs, s);
            Map<String, byte[]> images = new TreeMap<>();
            for (Path p : list(out)) {
                images.put(p.getFileName().toString(), Images.maskedImage(p));
            }
            drives.put(jobs, images);
        }
        assertEquals(summaries.get("1"), summaries.get("4"));
        assertEquals(23, drives.get("1").size());
        assertEquals(drives.get("1").keySet(), drives.get("4").keySet());
        drives.get("1").forEach((name, bytes) -> assertArrayEquals(bytes, drives.get("4").get(name), name));
    }

    @Test
    void newlineDelimitedJsonOnStdinIsStreamedInASmallHeap() throws Exception {
        String full = JSON.readTree(resource("instances/full.json").toFile()).toString();
        String minimal = JSON.readTree(resource("instances/minimal.json").toFile()).toString();
        ByteArrayOutputStream stdin = new ByteArrayOutputStream();
        stdin.writeBytes((full + "\n\n   \n" + "{\"name\": 1}\r\n" + minimal + "\r\n" + "not json\n")
                .getBytes(StandardCharsets.UTF_8));
        int many = 400;
        ObjectNode doc = (ObjectNode) JSON.readTree(full);
        for (int i = 0; i < many; i++) {
            doc.put("uuid", String.format("11111111-0000-4000-8000-%012d", i));
            stdin.writeBytes((doc + "\n").getBytes(StandardCharsets.UTF_8));
        }
        stdin.writeBytes(minimal.getBytes(StandardCharsets.UTF_8));   // a duplicate, and no newline at the end
        Path out = Files.createDirectories(tmp.resolve("out"));

        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        int exit = childJvm(stdin.toByteArray(), stdout, stderr, "-Xmx32m", "batch", "--input", "-", "--format",
                "iso9660", "--output-dir", out.toString(), "--jobs", "2");
        Cli r = new Cli(exit, stdout.toByteArray(), stderr.toString(StandardCharsets.UTF_8));

        assertEquals(ExitCode.BATCH_FAILED, r.exitCode(), r.toString());
        JsonNode s = summary(r);
        assertEquals(JSON.readTree("{\"documents\":" + (many + 5) + ",\"written\":" + (many + 2) + ",\"failed\":3}"),
                s.get("counts"));
        JsonNode d = s.get("documents");
        assertEquals("stdin:1", d.get(0).get("source").asText(), "lines counted from 1");
        assertEquals("written", d.get(0).get("status").asText());
        assertEquals("stdin:4", d.get(1).get("source").asText(), "blank lines skipped but counted");
        assertFailed(d.get(1), ExitCode.INVALID_INSTANCE, "uuid.required");
        Map<String, String> rules = new TreeMap<>();
        d.get(1).get("errors").forEach(e -> rules.put(e.get("rule").asText(), e.get("pointer").asText()));
        assertEquals(Map.of("uuid.required", "/uuid", "name.type", "/name"), rules);
        assertEquals("stdin:5", d.get(2).get("source").asText());
        assertEquals("written", d.get(2).get("status").asText(), "a CRLF line is a document");
        assertFailed(d.get(3), ExitCode.INVALID_INSTANCE, "json.syntax");
        assertEquals("stdin:6", d.get(3).get("source").asText());
        JsonNode last = d.get(many + 4);
        assertEquals("stdin:" + (many + 7), last.get("source").asText());
        assertFailed(last, ExitCode.OUTPUT, BatchError.DUPLICATE_UUID);
        assertEquals(many + 2, list(out).size());
        for (Path p : list(out)) {
            assertTrue(p.getFileName().toString().endsWith(".iso") && !p.getFileName().toString().startsWith("."));
        }
        Images.ok("isoinfo", "-d", "-i", out.resolve(FULL + ".iso").toString());
    }

    @Test
    void whenReadingTheInputFailsTheDocumentsBeforeAreWrittenAndReported() throws Exception {
        byte[] minimal = Files.readAllBytes(resource("instances/minimal.json"));
        byte[] full = Files.readAllBytes(resource("instances/full.json"));
        Iterator<byte[]> lines = List.of(minimal, full).iterator();
        BatchInput failing = new BatchInput() {
            private int line;

            @Override
            public BatchDocument next() throws IOException {
                if (!lines.hasNext()) {
                    throw new IOException("stdin: Input/output error");
                }
                return new BatchDocument.Text("stdin:" + ++line, lines.next());
            }

            @Override
            public void close() {
            }
        };
        Path out = Files.createDirectories(tmp.resolve("out"));
        DriveOutput drive = new DriveOutput(DriveOutput.Format.iso9660, DriveKind.SeedFilesystem.iso9660, false, null,
                Instant.ofEpochSecond(Long.parseLong(T)), MetadataOptions.defaults(),
                false);
        StringWriter stdout = new StringWriter();
        StringWriter stderr = new StringWriter();
        PrintWriter err = new PrintWriter(stderr, true);
        BatchSummary summary = new BatchSummary(new PrintWriter(stdout, true), err, drive, out, System.nanoTime());
        IOException thrown = assertThrows(IOException.class,
                () -> new BatchRun(drive, out, 2, new InstanceDocumentParser(
                        Limits.nova(), KeyPairResolver.none()),
                        err).run(failing, summary));
        assertTrue(thrown.getMessage().contains("Input/output error"));
        assertEquals(2, summary.documents(), "both documents read before the failure were finished and reported");
        summary.finish();
        JsonNode s = JSON.readTree(stdout.toString());
        assertEquals(2, s.get("counts").get("written").asInt(), stdout.toString());
        assertEquals(List.of(out.resolve(FULL + ".iso"), out.resolve(MINIMAL + ".iso")), list(out));
    }

    @Test
    void usageAndSetupErrorsStopBeforeAnyDocument() throws Exception {
        Path in = goodDocuments();
        Path out = Files.createDirectories(tmp.resolve("out"));
        assertStopped(batch(in, "iso9660", tmp.resolve("missing")), ExitCode.OUTPUT, "--output-dir");
        assertStopped(batch(tmp.resolve("nothing-here"), "iso9660", out), ExitCode.INPUT, "--input");
        assertStopped(batch(in, "iso9660", out, "--jobs", "0"), ExitCode.USAGE, "--jobs 0");
        assertStopped(batch(in, "tree", out, "--force"), ExitCode.USAGE, "--force applies to image files");
        assertStopped(batch(in, "iso9660", out, "--drop-files"), ExitCode.USAGE, "--drop-files applies");
        assertStopped(batch(in, "iso9660", out, "--volume-size", "8M"), ExitCode.USAGE, "--volume-size applies");
        assertStopped(batch(in, "iso9660", out, "--timestamp", "1"), ExitCode.USAGE, "--timestamp 1: out of range");
        assertEquals(List.of(), list(out), "nothing written");
    }

    private static void assertStopped(Cli r, int exitCode, String mentions) {
        assertEquals(exitCode, r.exitCode(), r.toString());
        assertTrue(r.stderr().startsWith("guestdata: ") && r.stderr().contains(mentions), r.stderr());
        assertEquals("", r.out(), "no summary: no document was looked at");
    }

    /** Runs the CLI in a new JVM with the test class path, {@code stdin} on its standard input. */
    private static int childJvm(byte[] stdin, OutputStream stdout, OutputStream stderr, String heap, String... args)
            throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(java, heap, "-XX:+UseSerialGC", "-cp", classPath,
                Main.class.getName()));
        command.addAll(Arrays.asList(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().remove(BuildTime.SOURCE_DATE_EPOCH);
        Process p = pb.start();
        // Own threads: the common pool may have a single one on a 2-core machine.
        Thread err = Thread.ofPlatform().start(() -> copy(p.getErrorStream(), stderr));
        Thread feed = Thread.ofPlatform().start(() -> {
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        copy(p.getInputStream(), stdout);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + command);
        }
        feed.join();
        err.join();
        return p.exitValue();
    }

    private static void copy(InputStream from, OutputStream to) {
        try {
            from.transferTo(to);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
