package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A cached guest image of one generation ({@code image/build-guest-image <suite>}): built on first use
 * (debootstrap + mke2fs -d, a few minutes), then reused by every later run with the same recipe. The cached
 * files are never written: every boot gets its own copy of the root filesystem. The generations build
 * independently (each has its own recipe key and lock), so one can build while the other's guests boot.
 */
record GuestImage(Generation generation, Path rootfs, Path kernel, Path initrd) {
    private static final Map<Generation, CompletableFuture<GuestImage>> IMAGES = new ConcurrentHashMap<>();

    /**
     * The generation's image, built first if its recipe has none yet. Callers wanting the same generation wait
     * for one build; a caller wanting the other generation does not wait for it.
     */
    static GuestImage get(Generation generation) {
        CompletableFuture<GuestImage> image = IMAGES.computeIfAbsent(generation,
                g -> CompletableFuture.supplyAsync(() -> build(g), Thread::startVirtualThread));
        try {
            return image.join();
        } catch (CompletionException e) {
            // the build's own failure (the script's exit and output), not the wrapper
            if (e.getCause() instanceof Error err) {
                throw err;
            }
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }

    private static GuestImage build(Generation generation) {
        Path script = E2e.root().resolve("image/build-guest-image");
        Command.Result r = Command.run(Duration.ofMinutes(30), List.of(script.toString(), generation.suite)).ok();
        String[] lines = r.stdout().strip().split("\n");
        Path dir = Path.of(lines[lines.length - 1]);
        return new GuestImage(generation, dir.resolve("rootfs.ext4"), dir.resolve("vmlinuz"), dir.resolve("initrd.img"));
    }

    /** A private, writable copy of the root filesystem (sparse; reflinked where the filesystem can). */
    Path copyRootfs(Path to) {
        Command.run(Duration.ofMinutes(5), List.of("cp", "--sparse=always", "--reflink=auto", rootfs.toString(), to.toString())).ok();
        return to;
    }
}
