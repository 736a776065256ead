package io.guestdata.inject.guestfs;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.Command.Result;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The host tools the libguestfs tests build images with and check results with, none of which
 * mounts anything: mkfs.xfs/mke2fs (with prototype files or directories), sfdisk, qemu-img,
 * xfs_repair, xfs_db, e2fsck and debugfs.
 */
public final class GuestTools {

    private GuestTools() {
    }

    /**
     * Settings for the tests' appliances: as the environment says if it says anything about the
     * backend, else {@code force_tcg} (these machines have /dev/kvm but nested KVM does not work).
     */
    public static GuestfsSettings settings() {
        String configured = System.getenv("LIBGUESTFS_BACKEND_SETTINGS");
        return configured != null ? GuestfsSettings.DEFAULT : GuestfsSettings.FORCE_TCG;
    }

    /** Runs a host tool (LC_ALL=C), nothing on its standard input, waiting up to 300 s. */
    static Result run(String... command) {
        return Command.of(command).env(Map.of("LC_ALL", "C")).timeout(Duration.ofSeconds(300)).run();
    }

    static Result runOk(String... command) {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new AssertionError(List.of(command) + " exited " + r.exit() + "\n" + r.stdout() + r.stderr());
        }
        return r;
    }

    // --- XFS: xfs_db reads the image directly --------------------------------------------------

    private static final Pattern FIELD = Pattern.compile("^(\\S+) = (.*)$", Pattern.MULTILINE);
    private static final Pattern EXTENT = Pattern.compile(
            "data offset (\\d+) startblock \\d+ \\((\\d+)/(\\d+)\\) count (\\d+) flag (\\d)");

    /** Inode fields of {@code path} ({@code core.mode} as octal text, …), or empty if xfs_db finds no such path. */
    static Map<String, String> xfsInode(Path image, String path) {
        Result r = run("xfs_db", "-r", "-c", "path " + path, "-c",
                "print core.mode core.uid core.gid core.size core.nlinkv2", image.toString());
        Map<String, String> fields = new LinkedHashMap<>();
        if (r.exit() != 0 || r.stderr().contains("No such file")) {
            return fields;
        }
        Matcher m = FIELD.matcher(r.stdout());
        while (m.find()) {
            fields.put(m.group(1), m.group(2).strip());
        }
        return fields;
    }

    /** A regular file's bytes, read from the image at the extents xfs_db's bmap gives. */
    static byte[] xfsContent(Path image, String path) {
        Map<String, String> sb = new LinkedHashMap<>();
        Matcher f = FIELD.matcher(runOk("xfs_db", "-r", "-c", "sb 0", "-c", "print blocksize agblocks", image.toString()).stdout());
        while (f.find()) {
            sb.put(f.group(1), f.group(2).strip());
        }
        long blockSize = Long.parseLong(sb.get("blocksize"));
        long agBlocks = Long.parseLong(sb.get("agblocks"));
        long size = Long.parseLong(xfsInode(image, path).get("core.size"));
        byte[] content = new byte[Math.toIntExact(size)];
        Matcher m = EXTENT.matcher(runOk("xfs_db", "-r", "-c", "path " + path, "-c", "bmap", image.toString()).stdout());
        try (RandomAccessFile file = new RandomAccessFile(image.toFile(), "r")) {
            while (m.find()) {
                long fileBlock = Long.parseLong(m.group(1));
                long disk = (Long.parseLong(m.group(2)) * agBlocks + Long.parseLong(m.group(3))) * blockSize;
                long count = Long.parseLong(m.group(4));
                boolean unwritten = !m.group(5).equals("0");
                for (long b = 0; b < count; b++) {
                    long at = (fileBlock + b) * blockSize;
                    if (at >= size || unwritten) {
                        continue;
                    }
                    int n = (int) Math.min(blockSize, size - at);
                    file.seek(disk + b * blockSize);
                    file.readFully(content, (int) at, n);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return content;
    }

    // --- ext: debugfs ---------------------------------------------------------------------------

    private static final Pattern EXT_MODE = Pattern.compile("Mode:\\s+(\\d+)");
    private static final Pattern EXT_OWNER = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)");
    private static final Pattern EXT_SIZE = Pattern.compile("Size:\\s+(\\d+)");
    private static final Pattern EXT_LINKS = Pattern.compile("Links:\\s+(\\d+)");
    private static final Pattern EXT_TYPE = Pattern.compile("Type:\\s+(\\S+)");

    /** "type mode uid:gid size links" of an ext inode as debugfs shows it, or "missing". */
    static String extInode(Path image, String path) {
        Result r = run("debugfs", "-R", "stat \"" + path + "\"", image.toString());
        String out = r.stdout();
        Matcher mode = EXT_MODE.matcher(out);
        if (!mode.find()) {
            return "missing";
        }
        Matcher owner = EXT_OWNER.matcher(out);
        Matcher size = EXT_SIZE.matcher(out);
        Matcher links = EXT_LINKS.matcher(out);
        Matcher type = EXT_TYPE.matcher(out);
        owner.find();
        size.find();
        links.find();
        type.find();
        return type.group(1) + " " + mode.group(1) + " " + owner.group(1) + ":" + owner.group(2) + " size " + size.group(1)
                + " links " + links.group(1);
    }

    /** A file's bytes as debugfs's {@code cat} gives them. */
    static byte[] extContent(Path image, String path) {
        return runOk("debugfs", "-R", "cat \"" + path + "\"", image.toString()).stdoutBytes();
    }
}
