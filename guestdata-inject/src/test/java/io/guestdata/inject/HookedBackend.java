package io.guestdata.inject;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * A backend that opens the image file itself (libguestfs), with {@code hook} run on what it opened
 * (while it is open): to watch the image then, or to wrap the filesystem the injector writes through.
 */
record HookedBackend(ImageFileBackend real, Hook hook) implements ImageFileBackend {
    interface Hook {
        GuestFilesystem opened(ImageTarget target, GuestFilesystem fs) throws IOException;
    }

    @Override
    public String name() {
        return real.name();
    }

    @Override
    public boolean supports(FilesystemType type) {
        return real.supports(type);
    }

    @Override
    public Optional<String> unavailable() {
        return real.unavailable();
    }

    @Override
    public Set<ImageFormat> formats() {
        return real.formats();
    }

    @Override
    public Opened openImage(ImageTarget target, OpenMode mode) throws GuestFsException, IOException {
        Opened opened = real.openImage(target, mode);
        return new Opened(hook.opened(target, opened.filesystem()), opened.target());
    }
}
