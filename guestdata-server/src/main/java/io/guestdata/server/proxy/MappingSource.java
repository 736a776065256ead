package io.guestdata.server.proxy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The current {@link GuestMapping}: the mapping file's entries overridden by the fixed ones, re-read when the
 * file's modification time, size or inode changes (checked every {@code interval}; an editor's
 * write-then-rename counts). A file that fails to parse or disappears keeps the last good mapping in force and
 * is logged: a typo must not unmap every guest.
 */
final class MappingSource implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MappingSource.class.getName());

    private final Path file;
    private final GuestMapping fixed;
    private final Signer signer;
    private final ScheduledExecutorService timer;
    private volatile GuestMapping current;
    private Object seen; // the file's (mtime, size, key) when last read
    private volatile long reloads;

    /** Reads the file now: a bad file at start is an error. */
    MappingSource(Path file, List<String> fixedEntries, Signer signer, Duration interval) throws IOException {
        this.file = file;
        this.signer = signer;
        this.fixed = GuestMapping.parse(fixedEntries, "--map", signer);
        if (file == null) {
            this.current = fixed;
            this.timer = null;
            return;
        }
        this.seen = stamp(file);
        this.current = GuestMapping.read(file, signer).withOverrides(fixed);
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guestdata-proxy-mapping-reload");
            t.setDaemon(true);
            return t;
        });
        long millis = Math.max(1, interval.toMillis());
        timer.scheduleWithFixedDelay(this::check, millis, millis, TimeUnit.MILLISECONDS);
    }

    GuestMapping current() {
        return current;
    }

    long reloads() {
        return reloads;
    }

    /** Re-reads the file if it changed. */
    synchronized void check() {
        Object stamp;
        try {
            stamp = stamp(file);
        } catch (NoSuchFileException e) {
            if (seen != null) {
                LOG.log(System.Logger.Level.WARNING, "mapping file " + file + " is gone; keeping the last mapping ("
                        + current.size() + " guests)");
                seen = null;
            }
            return;
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "cannot stat mapping file " + file + ": " + e);
            return;
        }
        if (Objects.equals(stamp, seen)) {
            return;
        }
        seen = stamp;
        try {
            GuestMapping next = GuestMapping.read(file, signer).withOverrides(fixed);
            current = next;
            reloads++;
            LOG.log(System.Logger.Level.INFO, "mapping file " + file + " reloaded: " + next.size() + " guests");
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(System.Logger.Level.ERROR, "mapping file " + file + " not reloaded, the previous mapping stays in "
                    + "force: " + e.getMessage());
        }
    }

    private static Object stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return List.of(a.lastModifiedTime().toMillis(), a.size(), String.valueOf(a.fileKey()));
    }

    @Override
    public void close() {
        if (timer != null) {
            timer.shutdownNow();
        }
    }
}
