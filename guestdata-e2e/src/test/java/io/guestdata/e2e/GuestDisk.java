package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Reads a powered-off guest's root filesystem with debugfs (e2fsprogs), read-only and without mounting
 * anything: the way evidence leaves the guest.
 */
final class GuestDisk {
    /** The image as debugfs opens it: the file, or {@code file?offset=N} for a filesystem inside a partition. */
    private final String image;

    /** A bare filesystem image. */
    GuestDisk(Path image) {
        this.image = image.toString();
    }

    /** The filesystem of a partition starting {@code offset} bytes into a disk image (libext2fs' unix I/O option). */
    GuestDisk(Path disk, long offset) {
        this.image = disk + "?offset=" + offset;
    }

    /** The file's bytes, or empty if it does not exist. One debugfs run (it opens the image read-only). */
    Optional<byte[]> read(String path) {
        Command.Result r = Command.run(Duration.ofMinutes(1), List.of("debugfs", "-R", "cat \"" + path + "\"", image)).ok();
        return r.stderr().contains("not found") ? Optional.empty() : Optional.of(r.stdoutBytes());
    }

    Optional<String> text(String path) {
        return read(path).map(b -> new String(b, StandardCharsets.UTF_8));
    }
}
