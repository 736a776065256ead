package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import io.guestdata.inject.block.BlockException;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.block.ImageLock;
import io.guestdata.inject.block.InjectPartition;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.guestfs.GuestfsBinding;
import io.guestdata.inject.guestfs.GuestfsDrive;
import io.guestdata.inject.guestfs.GuestfsFilesystem;
import io.guestdata.inject.guestfs.GuestfsSettings;
import io.guestdata.inject.guestfs.GuestfsUnavailableException;

/**
 * XFS, Btrfs, ext2/3/4 and LVM through libguestfs ({@link GuestfsFilesystem}): an appliance VM
 * per open (seconds with KVM, 15–30 s under TCG), nothing mounted on the host. {@code auto} takes
 * it for the Linux filesystems the ext2fs backend does not read, and for {@code --partition -1}
 * when a candidate (XFS, Btrfs, an LVM physical volume) can only be inspected by libguestfs.
 *
 * <p>It opens the original image file itself (an {@link ImageFileBackend}), raw or qcow2, with the
 * format given; libguestfs' QEMU takes QEMU's own locks, so a running VM makes the launch fail, which
 * is reported as {@link ImageInUseException}. A target served over NBD (an RBD image held by this
 * process, {@link ImageTarget#nbdSocket()}) is added as that export, raw: QEMU gets the socket only. It is unavailable (exit 11) when libguestfs' Java
 * binding is not installed; the message names the Debian packages.
 */
public final class GuestfsBackend implements ImageFileBackend {

    public static final String NAME = FilesystemBackends.GUESTFS;

    private static final Set<FilesystemType> TYPES = EnumSet.of(FilesystemType.EXT2, FilesystemType.EXT3,
            FilesystemType.EXT4, FilesystemType.XFS, FilesystemType.BTRFS, FilesystemType.LVM2_PV);
    private static final Set<ImageFormat> FORMATS = EnumSet.of(ImageFormat.RAW, ImageFormat.QCOW2);

    /** How libguestfs is reached; tests replace it. */
    interface Launcher {
        /** Why libguestfs cannot be used here; empty when it can. */
        Optional<String> unavailable();

        GuestFilesystem open(GuestfsDrive drive, InjectPartition target, boolean readOnly) throws GuestFsException;
    }

    private final Launcher launcher;

    /** libguestfs configured by its environment ({@link GuestfsSettings#DEFAULT}). */
    public GuestfsBackend() {
        this(GuestfsSettings.DEFAULT);
    }

    /** libguestfs with the appliance settings given. */
    public GuestfsBackend(GuestfsSettings settings) {
        this(new SystemLauncher(Objects.requireNonNull(settings, "settings")));
    }

    GuestfsBackend(Launcher launcher) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public boolean supports(FilesystemType type) {
        return TYPES.contains(type);
    }

    @Override
    public Optional<String> unavailable() {
        return launcher.unavailable();
    }

    @Override
    public Set<ImageFormat> formats() {
        return FORMATS;
    }

    @Override
    public Opened openImage(ImageTarget target, OpenMode mode) throws GuestFsException, IOException {
        if (!FORMATS.contains(target.format())) {
            throw new IllegalArgumentException("the guestfs backend opens raw and qcow2 images, not " + target.format().qemuName());
        }
        boolean readOnly = mode == OpenMode.READ_ONLY;
        GuestFilesystem fs;
        try {
            fs = launcher.open(drive(target), target.partition(), readOnly);
        } catch (GuestFsException e) {
            if (!readOnly && target.nbdSocket().isEmpty()) {
                Optional<ImageInUseException> inUse = inUse(target.image(), e);
                if (inUse.isPresent()) {
                    throw inUse.get();
                }
            }
            throw e;
        }
        return new Opened(fs, describe(target, fs));
    }

    /** The image file with its format, or the NBD export serving the image (raw). */
    static GuestfsDrive drive(ImageTarget target) {
        return target.nbdSocket().<GuestfsDrive>map(socket -> new GuestfsDrive.Nbd(socket, target.image().toString()))
                .orElseGet(() -> new GuestfsDrive.File(target.image(), target.format().qemuName()));
    }

    /**
     * A failed writable launch because QEMU could not lock the image ("Failed to get "write"
     * lock": libguestfs only says the appliance failed to start) becomes {@link ImageInUseException},
     * as for the ext2fs backend; empty for any other failure.
     */
    static Optional<ImageInUseException> inUse(Path image, GuestFsException failure) {
        if (failure.kind() != GuestFsException.Kind.OPEN_FAILED) {
            return Optional.empty();
        }
        try {
            if (ImageLock.isLockedByOthers(image)) {
                return Optional.of(new ImageInUseException(image, "image is in use: libguestfs' QEMU could not lock it (a running"
                        + " VM, qemu-img, qemu-storage-daemon or another writer holds it; " + failure.getMessage()
                        + "); stop the VM or program using it, then retry", failure));
            }
        } catch (BlockException e) {
            failure.addSuppressed(e);
        }
        return Optional.empty();
    }

    private static String describe(ImageTarget target, GuestFilesystem fs) {
        if (target.partition() instanceof InjectPartition.Find && fs instanceof GuestfsFilesystem g) {
            return "the OS root found by inspect_os: " + g.mounts().stream()
                    .map(m -> m.device() + " on " + m.mountpoint()).collect(Collectors.joining(", "));
        }
        return target.where() + target.filesystem().map(t -> " (" + t.blkidName() + ")").orElse("");
    }

    @Override
    public String toString() {
        return NAME;
    }

    /** The libguestfs of this machine, through its Java binding. */
    private record SystemLauncher(GuestfsSettings settings) implements Launcher {
        @Override
        public Optional<String> unavailable() {
            try {
                GuestfsBinding.system();
                return Optional.empty();
            } catch (GuestfsUnavailableException e) {
                return Optional.of(e.getMessage());
            }
        }

        @Override
        public GuestFilesystem open(GuestfsDrive drive, InjectPartition target, boolean readOnly)
                throws GuestFsException {
            return GuestfsFilesystem.open(drive, target, readOnly, settings);
        }
    }
}
