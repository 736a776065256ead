package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.Sha256;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The real readers of images, for the CLI's tests: isoinfo, xorriso, blkid, pycdlib, fsck.fat, mtools, and
 * cloud-init's ConfigDrive and NoCloud datasources on what they extract. Never mounts anything.
 */
final class Images {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern RANDOM_SEED = Pattern.compile("\"random_seed\": \"[A-Za-z0-9+/=]{684}\"");
    /** How random_seed starts in meta_data.json, and in a NoCloud meta-data (YAML binary). */
    private static final List<byte[]> SEED_KEYS = List.of("\"random_seed\": \"".getBytes(StandardCharsets.US_ASCII),
            "\"random_seed\": !!binary \"".getBytes(StandardCharsets.US_ASCII));

    private Images() {
    }

    /** Runs a tool (UTF-8 locale, mtools without its geometry check); returns exit code and output. */
    static Command.Result run(String... command) {
        return Command.of(command).env(Map.of("LC_ALL", "C.UTF-8", "MTOOLS_SKIP_CHECK", "1")).run();
    }

    /** Runs a tool that must succeed; returns its stdout. */
    static String ok(String... command) throws IOException, InterruptedException {
        Command.Result r = run(command);
        assertEquals(0, r.exit(), String.join(" ", command) + ":\n" + r.stdout() + r.stderr());
        return r.stdout();
    }

    /** {@code blkid -p -o export}: the probed tags. */
    static Map<String, String> blkid(Path image) throws Exception {
        Map<String, String> tags = new TreeMap<>();
        for (String line : ok("blkid", "-p", "-o", "export", image.toString()).split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                tags.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return tags;
    }

    /** Every file of an ISO image, extracted by xorriso (Rock Ridge names). */
    static Path extractIso(Path image, Path dir) throws Exception {
        ok("xorriso", "-osirrox", "on", "-indev", image.toString(), "-extract", "/", dir.toString());
        // Rock Ridge says 0444/0555; make the copy removable by a test run as an ordinary user.
        ok("chmod", "-R", "u+w", dir.toString());
        return dir;
    }

    /** Every file of a FAT image, copied out by mtools. */
    static Path extractFat(Path image, Path dir) throws Exception {
        Files.createDirectories(dir);
        ok("mcopy", "-s", "-n", "-i", image.toString(), "::/", dir.toString());
        return dir;
    }

    /** Regular files under {@code root}: relative path to bytes. */
    static Map<String, byte[]> files(Path root) throws IOException {
        Map<String, byte[]> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(root.relativize(p).toString(), Files.readAllBytes(p));
            }
        }
        return out;
    }

    /** A file's text with every {@code random_seed} value replaced by a placeholder. */
    static String masked(byte[] bytes) {
        return RANDOM_SEED.matcher(new String(bytes, StandardCharsets.UTF_8))
                .replaceAll("\"random_seed\": \"<684 random base64 characters>\"");
    }

    /** {@link #masked} of every file. */
    static Map<String, String> maskedFiles(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        files(root).forEach((path, bytes) -> out.put(path, masked(bytes)));
        return out;
    }

    /** A copy of an image with the 684 base64 characters of every {@code random_seed} value set to {@code x}. */
    static byte[] maskedImage(Path image) throws IOException {
        byte[] b = Files.readAllBytes(image);
        for (byte[] key : SEED_KEYS) {
            for (int i = 0; i + key.length <= b.length; i++) {
                if (b[i] == key[0] && Arrays.equals(b, i, i + key.length, key, 0, key.length)) {
                    Arrays.fill(b, i + key.length, Math.min(b.length, i + key.length + 684), (byte) 'x');
                }
            }
        }
        return b;
    }

    /** Debian 12's cloud-init (22.4) ConfigDrive datasource on a tree; {@code knownMacs} as the harness takes it, or null. */
    static ObjectNode configDriveView(Path tree, String knownMacs) throws Exception {
        return configDriveView("12", tree, knownMacs);
    }

    /** Debian generation {@code debian}'s cloud-init ConfigDrive datasource on a tree ({@code Tool.debianPython(debian, …)}). */
    static ObjectNode configDriveView(String debian, Path tree, String knownMacs) throws Exception {
        List<String> args = new ArrayList<>(List.of(tree.toString()));
        if (knownMacs != null) {
            args.add(knownMacs);
        }
        Command.Result r = Tool.debianPython(debian, "tools/consumers/cloudinit_configdrive.py", args.toArray(String[]::new));
        assertEquals(0, r.exit(), "cloud-init's ConfigDrive datasource did not claim " + tree + ":\n" + r.stdout()
                + r.stderr());
        ObjectNode seen = (ObjectNode) JSON.readTree(r.stdout());
        seen.remove("source");
        return seen;
    }

    /** Debian 12's cloud-init (22.4) NoCloud datasource on a seed directory. */
    static ObjectNode noCloudView(Path seed) throws Exception {
        return noCloudView("12", seed);
    }

    /** Debian generation {@code debian}'s cloud-init NoCloud datasource on a seed directory. */
    static ObjectNode noCloudView(String debian, Path seed) throws Exception {
        Command.Result r = Tool.debianPython(debian, "tools/consumers/cloudinit_nocloud.py", seed.toString());
        assertEquals(0, r.exit(), "cloud-init's NoCloud datasource did not claim " + seed + ":\n" + r.stdout()
                + r.stderr());
        return (ObjectNode) JSON.readTree(r.stdout());
    }

    /** pycdlib's reading: {"rr": {path: sha256}, "joliet": {path: sha256}, "rock_ridge": bool, "joliet_found": bool}. */
    static JsonNode pycdlib(Path image) throws Exception {
        Path script = Files.createTempFile("pycdlib", ".py");
        try {
            Files.writeString(script, """
                    import hashlib, io, json, sys
                    import pycdlib
                    iso = pycdlib.PyCdlib()
                    iso.open(sys.argv[1])
                    def walk(kind):
                        out = {}
                        for dirpath, _dirs, files in iso.walk(**{kind + "_path": "/"}):
                            for f in files:
                                path = dirpath.rstrip("/") + "/" + f
                                bio = io.BytesIO()
                                iso.get_file_from_iso_fp(bio, **{kind + "_path": path})
                                out[path.lstrip("/")] = hashlib.sha256(bio.getvalue()).hexdigest()
                        return out
                    print(json.dumps({"rock_ridge": iso.has_rock_ridge() is not None, "joliet_found": iso.has_joliet(),
                                      "rr": walk("rr"), "joliet": walk("joliet")}))
                    iso.close()
                    """);
            return JSON.readTree(ok(Tool.SYSTEM_PYTHON, script.toString(), image.toString()));
        } finally {
            Files.deleteIfExists(script);
        }
    }

    /** Removes a test's own directory tree. */
    static void deleteTree(Path root) throws IOException {
        if (root == null || !Files.exists(root)) {
            return;
        }
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    static String sha256(byte[] bytes) throws Exception {
        return Sha256.hex(bytes);
    }
}
