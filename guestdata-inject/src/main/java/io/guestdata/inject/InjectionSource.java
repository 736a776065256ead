package io.guestdata.inject;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.NetworkDisk;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdTarget;

/**
 * The disk an injection opens: a local image file (or block device), an RBD image read through
 * librbd in this process, or a network disk QEMU opens (NBD, iSCSI).
 */
sealed interface InjectionSource {

    /** How messages and the report name it. */
    Path name();

    /**
     * Opens it ({@link DiskImage}: its format inspected before anything else reads it).
     *
     * @param options  the image options of the run, built once ({@link DecideScope.Scope#imageOptions()});
     *                 an RBD image and a network disk take its writability (and export settings) only
     */
    DiskImage open(DiskImage.Options options) throws BlockException;

    record ImageFile(Path image) implements InjectionSource {
        public ImageFile {
            Objects.requireNonNull(image, "image");
        }

        @Override
        public Path name() {
            return image;
        }

        @Override
        public DiskImage open(DiskImage.Options options) throws BlockException {
            return DiskImage.open(image, options);
        }
    }

    record Rbd(RbdTarget target, RbdImage.Settings settings) implements InjectionSource {
        public Rbd {
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(settings, "settings");
        }

        @Override
        public Path name() {
            return RbdImage.nameOf(target);
        }

        @Override
        public DiskImage open(DiskImage.Options options) throws BlockException {
            return DiskImage.openRbd(target, options.writable(), settings);
        }
    }

    record Network(NetworkDisk disk, Optional<ChapPassword> password) implements InjectionSource {
        public Network {
            Objects.requireNonNull(disk, "disk");
            Objects.requireNonNull(password, "password");
        }

        @Override
        public Path name() {
            return disk.name();
        }

        @Override
        public DiskImage open(DiskImage.Options options) throws BlockException {
            return DiskImage.openNetwork(disk, password, options.writable(), options.export());
        }
    }
}
