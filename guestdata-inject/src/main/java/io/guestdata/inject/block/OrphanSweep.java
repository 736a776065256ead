package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Backstop 3 of {@link QemuStorageExport}'s lifecycle: finds the private {@code guestdata-qsd-*} directories under a
 * temp root whose owner JVM no longer runs (killed with {@code kill -9}: no shutdown hook ran), stops the daemon still
 * serving one (after checking, by its command line, that the pid in the pidfile is that daemon), detaches a dead
 * mount and deletes the directory. Directories of live JVMs are left alone. Every export runs it on its temp root
 * before it starts, so what a killed run left is cleaned by the next.
 */
public final class OrphanSweep {
    private OrphanSweep() {
    }

    /** @return one line per directory handled, saying what was done */
    public static List<String> sweep(Path tempRoot, Duration stopTimeout) throws IOException {
        List<String> done = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(tempRoot, QemuStorageExport.DIR_PREFIX + "*")) {
            for (Path dir : dirs) {
                Optional<Long> owner = ProcessTable.readPid(dir.resolve(QemuStorageExport.OWNER_FILE));
                if (owner.isEmpty() || ProcessTable.isRunning(owner.get())) {
                    continue;
                }
                Path mountpoint = dir.resolve(QemuStorageExport.EXPORT_FILE);
                StringBuilder line = new StringBuilder(dir + ": owner JVM " + owner.get() + " is gone");
                Optional<Long> daemon = ProcessTable.readPid(dir.resolve(QemuStorageExport.PID_FILE));
                if (daemon.isPresent() && ProcessTable.isRunning(daemon.get())
                        && ProcessTable.commandLineMentions(daemon.get(), "qemu-storage-daemon", mountpoint.toString())) {
                    Optional<ProcessHandle> handle = ProcessHandle.of(daemon.get());
                    boolean killed = handle.isPresent() && ProcessTable.terminate(handle.get(), stopTimeout);
                    line.append("; stopped qemu-storage-daemon ").append(daemon.get()).append(killed ? " (SIGKILL)" : "");
                }
                if (MountTable.isMounted(mountpoint)) {
                    MountTable.detach(mountpoint);
                    line.append("; detached its mount");
                }
                if (MountTable.isMounted(mountpoint)) {
                    line.append("; the mount could not be detached, directory kept");
                } else {
                    deleteTree(dir);
                    line.append("; removed");
                }
                done.add(line.toString());
            }
        }
        return done;
    }

    /** Deletes {@code dir} and everything below; what cannot be deleted (a mount that stays) is left for next time. */
    static void deleteTree(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // Left behind only if the mount could not be removed; the next sweep retries.
        }
    }
}
