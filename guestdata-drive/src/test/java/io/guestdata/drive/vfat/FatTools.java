package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Runs the real FAT readers (dosfstools, mtools, util-linux) on an image and checks what they say. */
final class FatTools {
    /** Lines {@code fsck.fat -n -v} prints for a clean volume; anything else is a complaint. */
    private static final Pattern FSCK_CLEAN_LINE = Pattern.compile(String.join("|",
            "fsck\\.fat \\d.*",
            "Checking we can access the last sector of the filesystem",
            "Boot sector contents:",
            "System ID \".*\"",
            "Media byte 0x[0-9a-f]+ \\(hard disk\\)",
            "\\s*\\d+ bytes per (logical sector|cluster)",
            "\\s*\\d+ reserved sectors?",
            "First FAT starts at byte \\d+ \\(sector \\d+\\)",
            "\\s*2 FATs, (12|16|32) bit entries",
            "\\s*\\d+ bytes per FAT \\(= \\d+ sectors\\)",
            "Root directory starts? at (byte \\d+ \\(sector \\d+\\)|cluster 2 \\(arbitrary size\\))",
            "\\s*\\d+ root directory entries",
            "Data area starts at byte \\d+ \\(sector \\d+\\)",
            "\\s*\\d+ data clusters \\(\\d+ bytes\\)",
            "\\d+ sectors/track, \\d+ heads",
            "\\s*0 hidden sectors",
            "\\s*\\d+ sectors total",
            "Checking for unused clusters\\.",
            "Checking free cluster summary\\.",
            "Checking file .*",
            ".*: \\d+ files, \\d+/\\d+ clusters"));

    private FatTools() {
    }

    /** Runs a FAT tool (C.UTF-8, mtools' geometry check off), its standard error merged into its output. */
    static Result run(List<String> command) {
        return Command.of(command).env(Map.of("MTOOLS_SKIP_CHECK", "1", "LC_ALL", "C.UTF-8")).mergeStderr().run();
    }

    /** {@code fsck.fat -n -v -l}: exit 0 and no line beyond the report of a clean volume. Returns the output. */
    static String fsckClean(Path image) throws Exception {
        Result r = run(List.of("fsck.fat", "-n", "-v", "-l", image.toString()));
        List<String> complaints = r.stdout().lines().filter(l -> !FSCK_CLEAN_LINE.matcher(l).matches()).toList();
        if (r.exit() != 0 || !complaints.isEmpty()) {
            fail("fsck.fat -n -v on " + image + " exit " + r.exit() + ", complaints " + complaints + "\n" + r.stdout());
        }
        return r.stdout();
    }

    /** {@code blkid -p -o export}: the probe values. */
    static Map<String, String> blkid(Path image) throws Exception {
        Result r = run(List.of("blkid", "-p", "-o", "export", image.toString()));
        assertEquals(0, r.exit(), r.stdout());
        Map<String, String> values = new TreeMap<>();
        r.stdout().lines().filter(l -> l.contains("=")).forEach(l -> values.put(l.substring(0, l.indexOf('=')),
                l.substring(l.indexOf('=') + 1)));
        return values;
    }

    static String mtools(String tool, Path image, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(tool, "-i", image.toString()));
        command.addAll(List.of(args));
        Result r = run(command);
        assertEquals(0, r.exit(), String.join(" ", command) + "\n" + r.stdout());
        return r.stdout();
    }

    /** {@code mdir -b -/}: every path below the root as mtools names it, directories ending in '/'. */
    static List<String> mdirPaths(Path image) throws Exception {
        Result r = run(List.of("mdir", "-i", image.toString(), "-b", "-/", "-a", "::/"));
        assertEquals(0, r.exit(), r.stdout());
        return r.stdout().lines().filter(l -> l.startsWith("::/")).map(l -> l.substring(3)).sorted().toList();
    }

    /** Extracts the whole volume with {@code mcopy -s -n} into {@code dir} and returns its files. */
    static Map<String, byte[]> extract(Path image, Path dir) throws Exception {
        Files.createDirectories(dir);
        Result r = run(List.of("mcopy", "-s", "-n", "-i", image.toString(), "::/", dir.toString() + "/"));
        assertEquals(0, r.exit(), "mcopy: " + r.stdout());
        return files(dir);
    }

    /** The regular files below {@code dir}, by '/'-separated relative path. */
    static Map<String, byte[]> files(Path dir) throws IOException {
        Map<String, byte[]> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString().replace('\\', '/');
                files.put(rel, Files.readAllBytes(p));
            }
        }
        return files;
    }

    /**
     * The files as mtools extracts them: mtools 4.0.32 converts long names one UTF-16 unit at a
     * time, so each half of a surrogate pair comes out as '_'. Probed once, so a fixed mtools makes
     * this the identity.
     */
    static Map<String, byte[]> asMtoolsShows(Map<String, byte[]> files) {
        if (SurrogateProbe.PAIRED) {
            return files;
        }
        Map<String, byte[]> shown = new TreeMap<>();
        files.forEach((path, bytes) -> shown.put(asMtoolsShows(path), bytes));
        return shown;
    }

    static String asMtoolsShows(String path) {
        if (SurrogateProbe.PAIRED) {
            return path;
        }
        StringBuilder s = new StringBuilder(path.length());
        for (char c : path.toCharArray()) {
            s.append(Character.isSurrogate(c) ? '_' : c);
        }
        return s.toString();
    }

    /** Whether the installed mtools shows a character outside the BMP as itself. */
    private static final class SurrogateProbe {
        static final boolean PAIRED = probe();

        private static boolean probe() {
            try {
                Path dir = Files.createTempDirectory("mtools-probe");
                Path image = dir.resolve("probe.img");
                new VfatWriter(FatOptions.configDrive(java.time.Instant.EPOCH))
                        .write(List.of(io.guestdata.drive.ImageFile.of("\uD83D\uDE00", new byte[1])), image);
                boolean paired = mdirPaths(image).contains("\uD83D\uDE00");
                Files.delete(image);
                Files.delete(dir);
                return paired;
            } catch (Exception e) {
                throw new IllegalStateException("mtools probe failed", e);
            }
        }
    }

    /** Disk blocks the file takes, in bytes ({@code stat -c %b}, 512-byte units). */
    static long allocatedBytes(Path file) throws Exception {
        Result r = run(List.of("stat", "-c", "%b", file.toString()));
        assertEquals(0, r.exit(), r.stdout());
        return Long.parseLong(r.stdout().strip()) * 512;
    }
}
