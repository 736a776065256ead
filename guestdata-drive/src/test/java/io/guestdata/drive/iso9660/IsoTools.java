package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.guestdata.drive.ImageFile;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.DebianPython;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Runs the real readers of ISO images (isoinfo, xorriso, blkid, pycdlib) for the tests. */
final class IsoTools {
    static final String PYTHON = DebianPython.PATH;
    private static final ObjectMapper JSON = new ObjectMapper();

    private IsoTools() {
    }

    /** Size and SHA-256 of one file. */
    record Digest(long size, String sha256) {
    }

    /** Runs a command (UTF-8 locale), fails the test on a non-zero exit, returns stdout. */
    static String run(String... command) {
        return new String(runBytes(command), StandardCharsets.UTF_8);
    }

    static byte[] runBytes(String... command) {
        return execute(List.of(), command);
    }

    /** Like {@link #run}, and also fails if stderr contains any of {@code forbidden}. */
    static String runClean(List<String> forbidden, String... command) {
        return new String(execute(forbidden, command), StandardCharsets.UTF_8);
    }

    private static byte[] execute(List<String> forbiddenInStderr, String... command) {
        Command.Result r = Command.of(command).env(Map.of("LC_ALL", "C.UTF-8", "LANG", "C.UTF-8"))
                .timeout(Duration.ofSeconds(120)).run();
        if (r.exit() != 0) {
            fail(String.join(" ", command) + " exited " + r.exit() + ": " + r.stderr());
        }
        for (String f : forbiddenInStderr) {
            if (r.stderr().contains(f)) {
                fail(String.join(" ", command) + " reported " + f + ": " + r.stderr());
            }
        }
        return r.stdoutBytes();
    }

    static String isoinfo(Path iso, String... args) {
        List<String> cmd = new ArrayList<>(List.of("isoinfo", "-i", iso.toString()));
        cmd.addAll(List.of(args));
        return run(cmd.toArray(String[]::new));
    }

    /** {@code isoinfo -x}; {@code hierarchyFlag} {@code -R}, {@code -J} or null for the primary hierarchy. */
    static byte[] isoinfoExtract(Path iso, String hierarchyFlag, String path) {
        return hierarchyFlag == null ? runBytes("isoinfo", "-i", iso.toString(), "-x", path)
                : runBytes("isoinfo", "-i", iso.toString(), hierarchyFlag, "-x", path);
    }

    /** xorriso's Rock Ridge view: extracts the whole tree into {@code dir}. */
    static final List<String> XORRISO_COMPLAINTS = List.of(": WARNING :", ": SORRY :", ": FAILURE :", ": MISHAP :");

    static void xorrisoExtract(Path iso, Path dir) {
        runClean(XORRISO_COMPLAINTS, "xorriso", "-abort_on", "FAILURE", "-return_with", "SORRY", "32", "-indev", iso.toString(),
                "-osirrox", "on", "-extract", "/", dir.toString());
    }

    static String xorrisoList(Path iso) {
        return runClean(XORRISO_COMPLAINTS, "xorriso", "-abort_on", "FAILURE", "-indev", iso.toString(), "-find", "/",
                "-exec", "lsdl");
    }

    static String blkid(Path iso) {
        return run("blkid", "-p", iso.toString());
    }

    /**
     * pycdlib's reading of the image (Rock Ridge and Joliet names, sizes, content hashes) and,
     * if {@code extracted} is given, the same for a tree on disk; see {@code read_iso.py}.
     */
    static JsonNode pycdlib(Path iso, Path extracted) {
        List<String> cmd = new ArrayList<>(List.of(PYTHON, script().toString(), iso.toString()));
        if (extracted != null) {
            cmd.add(extracted.toString());
        }
        try {
            return JSON.readTree(run(cmd.toArray(String[]::new)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Map<String, Digest> digests(JsonNode node) {
        if (node == null) {
            fail("the reader produced no listing (see rr_error in read_iso.py's output)");
        }
        Map<String, Digest> m = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            m.put(e.getKey(), new Digest(e.getValue().get("size").asLong(), e.getValue().get("sha256").asText()));
        }
        return m;
    }

    static List<String> strings(JsonNode array) {
        List<String> l = new ArrayList<>();
        array.forEach(n -> l.add(n.asText()));
        return l;
    }

    /** What the tools should read back: path → digest of the declared content. */
    static Map<String, Digest> expected(List<ImageFile> files) {
        Map<String, Digest> m = new TreeMap<>();
        for (ImageFile f : files) {
            m.put(f.path(), digest(f));
        }
        return m;
    }

    static Digest digest(ImageFile f) {
        try (InputStream in = f.open()) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long n = 0;
            for (int r; (r = in.read(buf)) >= 0; ) {
                md.update(buf, 0, r);
                n += r;
            }
            return new Digest(n, HexFormat.of().formatHex(md.digest()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Digest digest(Path file) {
        return digest(new ImageFile("x", 0, io.guestdata.drive.ImageContent.of(file)));
    }

    static Digest digest(byte[] bytes) {
        return digest(ImageFile.of("x", bytes));
    }

    /** Deletes a tree, making extracted read-only directories writable first. */
    static void deleteTree(Path root) {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                p.toFile().setWritable(true);
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Path> list(Path dir) {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path script() {
        try {
            return Path.of(IsoTools.class.getResource("/iso9660/read_iso.py").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One line of an {@code isoinfo -l} listing (dates and extents left out). */
    record ListingEntry(String directory, String mode, int links, int uid, int gid, long size, String name) {
        boolean isDirectory() {
            return mode.startsWith("d");
        }
    }

    private static final java.util.regex.Pattern LISTING_LINE = java.util.regex.Pattern.compile(
            "^(\\S{10})\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+(\\d+)\\s+\\w{3}\\s+\\d+\\s+\\d{4}\\s+\\[\\s*\\d+\\s+\\d+\\]\\s\\s(.*) $");

    /** Parses {@code isoinfo [-R|-J] -l} output. */
    static List<ListingEntry> listing(String output) {
        List<ListingEntry> entries = new ArrayList<>();
        String dir = null;
        for (String line : output.split("\n")) {
            if (line.startsWith("Directory listing of ")) {
                dir = line.substring("Directory listing of ".length()).trim();
                continue;
            }
            java.util.regex.Matcher m = LISTING_LINE.matcher(line);
            if (m.matches()) {
                entries.add(new ListingEntry(dir, m.group(1), Integer.parseInt(m.group(2)), Integer.parseInt(m.group(3)),
                        Integer.parseInt(m.group(4)), Long.parseLong(m.group(5)), m.group(6)));
            }
        }
        return entries;
    }
}
