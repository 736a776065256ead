package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The cached Debian 12 guest ({@code image/build-guest-image}): built on first use (debootstrap + mke2fs -d,
 * a few minutes), then reused by every later run with the same recipe. The cached files are never written:
 * every boot gets its own copy of the root filesystem.
 */
record GuestImage(Path rootfs, Path kernel, Path initrd) {
    private static GuestImage cached;

    static synchronized GuestImage get() {
        if (cached == null) {
            Path script = E2e.root().resolve("image/build-guest-image");
            Command.Result r = Command.run(Duration.ofMinutes(30), List.of(script.toString())).ok();
            String[] lines = r.out().strip().split("\n");
            Path dir = Path.of(lines[lines.length - 1]);
            cached = new GuestImage(dir.resolve("rootfs.ext4"), dir.resolve("vmlinuz"), dir.resolve("initrd.img"));
        }
        return cached;
    }

    /** A private, writable copy of the root filesystem (sparse; reflinked where the filesystem can). */
    Path copyRootfs(Path to) {
        Command.run(Duration.ofMinutes(5), List.of("cp", "--sparse=always", "--reflink=auto", rootfs.toString(), to.toString())).ok();
        return to;
    }
}
