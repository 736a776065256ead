package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The smallest guest the injector accepts as Linux (root's account, /etc/shadow, /sbin/init), as a
 * directory tree and as an ext4 image made from it by the real mke2fs, for the CLI's injection tests.
 */
final class MinimalGuest {
    private MinimalGuest() {
    }

    /** Writes the guest's files into {@code dir}/tree; returns that directory (tests add to it). */
    static Path tree(Path dir) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree"));
        Files.createDirectories(tree.resolve("etc"));
        Files.createDirectories(tree.resolve("sbin"));
        Files.createDirectories(tree.resolve("root"));
        Files.writeString(tree.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(tree.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(tree.resolve("etc/group"), "root:x:0:\n");
        Files.writeString(tree.resolve("sbin/init"), "");
        return tree;
    }

    /** An ext4 filesystem of {@code mib} MiB holding {@code tree}, written to {@code image}; returns it. */
    static Path ext4(Path tree, Path image, int mib) throws IOException, InterruptedException {
        run("truncate", "-s", mib + "M", image.toString());
        run("mke2fs", "-q", "-F", "-t", "ext4", "-d", tree.toString(), image.toString());
        return image;
    }

    private static void run(String... argv) throws IOException, InterruptedException {
        Command.Result r = Tool.run(List.of(argv));
        assertEquals(0, r.exit(), () -> String.join(" ", argv) + ": " + r.stdout() + r.stderr());
    }
}
