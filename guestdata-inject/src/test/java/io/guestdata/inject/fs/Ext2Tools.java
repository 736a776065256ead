package io.guestdata.inject.fs;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import io.guestdata.testkit.Sha256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Runs e2fsprogs and other tools for the inject tests (shared with {@code io.guestdata.inject}'s tests). */
public final class Ext2Tools {

    private Ext2Tools() {
    }

    public static Result run(List<String> command) {
        return run(command, null);
    }

    /** Runs {@code command} (LC_ALL=C) with {@code stdin} (or none), and waits up to 120 s. */
    public static Result run(List<String> command, String stdin) {
        return Command.of(command).env(Map.of("LC_ALL", "C")).stdin(stdin == null ? "" : stdin)
                .timeout(Duration.ofSeconds(120)).run();
    }

    public static Result runOk(List<String> command) {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(command + " exited " + r.exit() + "\n" + r.stdout() + r.stderr());
        }
        return r;
    }

    /** How libext2fs-based tools name a filesystem at an offset: {@code image?offset=N}. */
    public static String device(Path image, long offset) {
        return offset == 0 ? image.toString() : image + "?offset=" + offset;
    }

    /**
     * {@code mke2fs -q -F <options> [-E offset=N] [-d populate] image sizeKiB} into a new file, created sparse
     * with room for the offset (see {@link #mke2fs}).
     */
    static Path mkfs(Path image, long sizeKiB, long offset, Path populate, String... options) {
        try {
            Files.deleteIfExists(image);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        mke2fs(image, offset, sizeKiB, populate, options);
        return image;
    }

    /**
     * {@code mke2fs -q -F <options> [-E offset=N] [-d populate] image sizeKiB} into the file as it is (a
     * partitioned disk keeps its table and its other partitions); a missing file is created sparse with room
     * for the offset. The one mkfs of the inject tests.
     */
    public static void mke2fs(Path image, long offset, long sizeKiB, Path populate, String... options) {
        if (!Files.exists(image)) {
            try (var raf = new java.io.RandomAccessFile(image.toFile(), "rw")) {
                raf.setLength(offset + sizeKiB * 1024);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        List<String> cmd = new ArrayList<>(List.of("mke2fs", "-q", "-F"));
        cmd.addAll(List.of(options));
        if (offset != 0) {
            cmd.addAll(List.of("-E", "offset=" + offset));
        }
        if (populate != null) {
            cmd.addAll(List.of("-d", populate.toString()));
        }
        cmd.add(image.toString());
        cmd.add(sizeKiB + "k");
        runOk(cmd);
    }

    /** {@code e2fsck -fn}: exit 0 or the test fails with e2fsck's output. */
    static void assertClean(Path image, long offset) {
        Result r = run(List.of("e2fsck", "-fn", device(image, offset)));
        assertEquals(0, r.exit(), () -> "e2fsck -fn " + device(image, offset) + " is not clean:\n" + r.stdout() + r.stderr());
    }

    /** {@code e2fsck -fn} exit status. */
    static int e2fsckExit(Path image, long offset) {
        return run(List.of("e2fsck", "-fn", device(image, offset))).exit();
    }

    public static Result debugfs(Path image, long offset, String request) {
        return run(List.of("debugfs", "-R", request, device(image, offset)));
    }

    /** {@code debugfs -w -R request}: for preparing hostile or damaged images. */
    static void debugfsWrite(Path image, long offset, String request) {
        Result r = run(List.of("debugfs", "-w", "-R", request, device(image, offset)));
        if (r.exit() != 0 || r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
            throw new AssertionError("debugfs -w -R '" + request + "': " + r.stdout() + r.stderr());
        }
    }

    /** What {@code debugfs -R 'stat path'} reports. */
    public record Stat(String type, int mode, long uid, long gid, long size, int links, String fastLinkDest) {
    }

    private static final Pattern TYPE_MODE = Pattern.compile("Type: (\\S+)\\s+Mode:\\s+(\\d+)");
    private static final Pattern USER_GROUP = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)");
    private static final Pattern SIZE = Pattern.compile("Size: (\\d+)");
    private static final Pattern LINKS = Pattern.compile("Links: (\\d+)");
    private static final Pattern FAST_LINK = Pattern.compile("Fast link dest: \"(.*)\"");

    /** {@code debugfs stat}, or null when the path does not exist. */
    public static Stat stat(Path image, long offset, String path) {
        Result r = debugfs(image, offset, "stat \"" + path + "\"");
        String out = r.stdout();
        Matcher tm = TYPE_MODE.matcher(out);
        if (!tm.find()) {
            if (r.stderr().contains("not found")) {
                return null;
            }
            throw new AssertionError("debugfs stat " + path + ": " + out + r.stderr());
        }
        Matcher ug = USER_GROUP.matcher(out);
        Matcher sz = SIZE.matcher(out);
        Matcher ln = LINKS.matcher(out);
        Matcher fl = FAST_LINK.matcher(out);
        if (!ug.find() || !sz.find() || !ln.find()) {
            throw new AssertionError("unparsable debugfs stat " + path + ": " + out);
        }
        return new Stat(tm.group(1), Integer.parseInt(tm.group(2), 8), Long.parseLong(ug.group(1)),
                Long.parseLong(ug.group(2)), Long.parseLong(sz.group(1)), Integer.parseInt(ln.group(1)),
                fl.find() ? fl.group(1) : null);
    }

    /** {@code debugfs cat path}: the file's bytes. */
    static byte[] cat(Path image, long offset, String path) {
        Result r = debugfs(image, offset, "cat \"" + path + "\"");
        if (r.stderr().lines().skip(1).anyMatch(l -> !l.isBlank())) {
            throw new AssertionError("debugfs cat " + path + ": " + r.stderr());
        }
        return r.stdoutBytes();
    }

    /** {@code debugfs ls -l dir} output. */
    static String ls(Path image, long offset, String dir) {
        return debugfs(image, offset, "ls -l \"" + dir + "\"").stdout();
    }

    /** A header field of {@code dumpe2fs -h}, e.g. "Free blocks". */
    static String superblockField(Path image, long offset, String field) {
        String out = runOk(List.of("dumpe2fs", "-h", device(image, offset))).stdout();
        return out.lines().filter(l -> l.startsWith(field + ":")).findFirst()
                .map(l -> l.substring(field.length() + 1).strip())
                .orElseThrow(() -> new AssertionError("no " + field + " in dumpe2fs -h"));
    }

    public static String sha256(Path file) {
        return Sha256.hex(file);
    }
}
