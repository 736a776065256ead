package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * This process's mounts, as {@code /proc/self/mountinfo} lists them (proc(5): the fifth field is the mount point,
 * with space, tab, newline and backslash escaped as {@code \ooo}), and detaching the FUSE mount a dead
 * {@code qemu-storage-daemon} left behind.
 */
final class MountTable {
    private MountTable() {
    }

    /** Whether a filesystem (the FUSE export) is mounted on {@code mountpoint}. */
    static boolean isMounted(Path mountpoint) {
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/mountinfo"))) {
            String mp = mountpoint.toAbsolutePath().toString();
            return lines.map(l -> l.split(" ")).filter(f -> f.length > 4).map(f -> unescape(f[4]))
                    .anyMatch(mp::equals);
        } catch (IOException e) {
            return false;
        }
    }

    /** Lazily detaches a mount whose daemon died ({@code fusermount3 -u -z}, else {@code umount -l}). */
    static void detach(Path mountpoint) {
        for (List<String> cmd : List.of(
                List.of("fusermount3", "-u", "-z", mountpoint.toString()),
                List.of("fusermount", "-u", "-z", mountpoint.toString()),
                List.of("umount", "-l", mountpoint.toString()))) {
            if (!isMounted(mountpoint)) {
                return;
            }
            try {
                new HostCommand(cmd, Duration.ofSeconds(10)).run();
            } catch (IOException e) {
                // Not installed or failed: try the next way; the caller reports a mount that stays.
            }
        }
    }

    static String unescape(String s) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }
}
