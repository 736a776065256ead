package io.guestdata.e2e;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a powered-off guest's root filesystem with debugfs (e2fsprogs), read-only and without mounting
 * anything: the way evidence leaves the guest.
 */
final class GuestDisk {
    private static final Pattern MODE = Pattern.compile("Mode:\\s+0?(\\d+)");
    private static final Pattern OWNER = Pattern.compile("User:\\s+(\\d+)\\s+Group:\\s+(\\d+)");
    private static final Pattern TYPE = Pattern.compile("Type: (\\w+)");

    private final Path image;

    GuestDisk(Path image) {
        this.image = image;
    }

    record Stat(String type, int mode, int uid, int gid) {
    }

    /** The file's bytes, or empty if it does not exist (or is not a regular file). */
    Optional<byte[]> read(String path) {
        Optional<Stat> st = stat(path);
        if (st.isEmpty() || !st.get().type().equals("regular")) {
            return Optional.empty();
        }
        Command.Result r = debugfs("cat \"" + path + "\"");
        return Optional.of(r.stdout());
    }

    Optional<String> text(String path) {
        return read(path).map(b -> new String(b, StandardCharsets.UTF_8));
    }

    Optional<Stat> stat(String path) {
        Command.Result r = debugfs("stat \"" + path + "\"");
        String out = r.out();
        Matcher type = TYPE.matcher(out);
        Matcher mode = MODE.matcher(out);
        Matcher owner = OWNER.matcher(out);
        if (r.err().contains("not found") || !type.find() || !mode.find() || !owner.find()) {
            return Optional.empty();
        }
        return Optional.of(new Stat(type.group(1), Integer.parseInt(mode.group(1), 8),
                Integer.parseInt(owner.group(1)), Integer.parseInt(owner.group(2))));
    }

    /** Names in a directory (without . and ..), empty if it does not exist. */
    List<String> list(String dir) {
        Command.Result r = debugfs("ls -p \"" + dir + "\"");
        if (r.err().contains("not found")) {
            return List.of();
        }
        return r.out().lines().filter(l -> l.startsWith("/")).map(l -> l.split("/", -1)).filter(f -> f.length > 5)
                .map(f -> f[5]).filter(n -> !n.equals(".") && !n.equals("..")).toList();
    }

    private Command.Result debugfs(String request) {
        // debugfs opens the image read-only unless given -w
        return Command.run(Duration.ofMinutes(1), List.of("debugfs", "-R", request, image.toString())).ok();
    }
}
