package io.guestdata.inject;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Objects;

import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;

/**
 * What one injection holds open (the disk image, the NBD export serving it to libguestfs, the guest
 * filesystem), closed in one place in the reverse order of opening. {@link DiskInjector} opens it in
 * its try-with-resources, so a run that throws closes whatever its stages still hold, last opened
 * first. A stage that lets go of something on the way ({@link CheckFilesystem}: the image before
 * libguestfs' QEMU opens the file; {@link CloseAndReport}: the filesystem, then the image) closes it
 * here with {@code close(it)}, which refuses any order but the reverse one.
 */
final class InjectionHandles implements AutoCloseable {

    /** How a held resource is closed. */
    @FunctionalInterface
    interface Closer {
        void close() throws IOException, GuestFsException;
    }

    private record Held(Object resource, Closer closer) {
    }

    private final Deque<Held> held = new ArrayDeque<>();

    DiskImage hold(DiskImage disk) {
        return hold(disk, disk::close);
    }

    ExportedDisk hold(ExportedDisk exported) {
        return hold(exported, exported::close);
    }

    GuestFilesystem hold(GuestFilesystem fs) {
        return hold(fs, fs::close);
    }

    /** Holds {@code resource} until it is closed here; it is closed before everything held earlier. */
    <T> T hold(T resource, Closer closer) {
        held.push(new Held(Objects.requireNonNull(resource, "resource"), Objects.requireNonNull(closer, "closer")));
        return resource;
    }

    /** Whether anything is still held. */
    boolean holdsAny() {
        return !held.isEmpty();
    }

    /** Closes the filesystem now (see {@link #release}). */
    void close(GuestFilesystem fs) throws GuestFsException {
        release(fs);
        fs.close();
    }

    /** Closes the image now (see {@link #release}). */
    void close(DiskImage disk) throws IOException {
        release(disk);
        disk.close();
    }

    /**
     * Lets go of {@code resource}, which the caller closes at once: it is no longer held, even when
     * its close fails.
     *
     * @throws IllegalStateException it is not the one held last (or not held at all)
     */
    private void release(Object resource) {
        Held last = held.peek();
        if (last == null || last.resource() != resource) {
            throw new IllegalStateException("closing " + resource + " out of order: "
                    + (last == null ? "nothing is held" : last.resource() + " was opened after it"));
        }
        held.pop();
    }

    /**
     * Closes everything still held, last opened first, each once. Every close is attempted; the
     * first failure is thrown, with the later ones suppressed in it.
     */
    @Override
    public void close() throws IOException, GuestFsException {
        Exception first = null;
        while (!held.isEmpty()) {
            try {
                held.pop().closer().close();
            } catch (IOException | GuestFsException | RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        switch (first) {
            case null -> {
            }
            case IOException e -> throw e;
            case GuestFsException e -> throw e;
            case RuntimeException e -> throw e;
            default -> throw new IllegalStateException(first);
        }
    }
}
