package io.guestdata.inject;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.guestdata.inject.block.FilesystemType;

/**
 * The filesystem backends of this build and how {@code --backend auto|ext2fs|guestfs} picks one.
 *
 * <p>{@code auto} takes the first backend that {@link FilesystemBackend#supports supports} the
 * target's filesystem; otherwise it names the backend that would be needed.
 */
public final class FilesystemBackends {

    /** The name of the libguestfs backend (XFS, Btrfs, LVM), which may be missing from a build. */
    public static final String GUESTFS = "guestfs";

    /** What {@code --backend} takes. */
    public enum Choice {
        AUTO, EXT2FS, GUESTFS;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Choice ofLabel(String label) {
            for (Choice c : values()) {
                if (c.label().equals(label)) {
                    return c;
                }
            }
            throw new IllegalArgumentException("unknown backend '" + label + "'; use auto, ext2fs or guestfs");
        }
    }

    private final List<FilesystemBackend> backends;

    public FilesystemBackends(List<FilesystemBackend> backends) {
        this.backends = List.copyOf(backends);
    }

    /** Every backend compiled into this build, in the order {@code auto} tries them. */
    public static FilesystemBackends thisBuild() {
        return new FilesystemBackends(List.of(
                new Ext2fsBackend()
                // the libguestfs backend (io.guestdata.inject.guestfs) is added here
        ));
    }

    public List<FilesystemBackend> all() {
        return backends;
    }

    /** The backend named by an explicit choice, before any image is opened; empty for AUTO. */
    public Optional<FilesystemBackend> named(Choice choice) throws BackendUnavailableException {
        if (choice == Choice.AUTO) {
            return Optional.empty();
        }
        String name = choice.label();
        for (FilesystemBackend b : backends) {
            if (b.name().equals(name)) {
                return Optional.of(b);
            }
        }
        if (choice == Choice.GUESTFS) {
            throw new BackendUnavailableException("libguestfs backend not available in this build");
        }
        throw new BackendUnavailableException("backend " + name + " not available in this build");
    }

    /**
     * The backend for a filesystem: the one chosen if it supports it, else (AUTO) the first that does.
     *
     * @throws BackendUnavailableException naming the filesystem, where it is and the backend needed
     */
    public FilesystemBackend forFilesystem(Choice choice, FilesystemType type, String where)
            throws BackendUnavailableException {
        Optional<FilesystemBackend> chosen = named(choice);
        if (chosen.isPresent()) {
            if (!chosen.get().supports(type)) {
                throw new BackendUnavailableException(where + " holds " + type.blkidName() + ", which the "
                        + chosen.get().name() + " backend does not read; " + needed(type));
            }
            return chosen.get();
        }
        for (FilesystemBackend b : backends) {
            if (b.supports(type)) {
                return b;
            }
        }
        throw new BackendUnavailableException(where + " holds " + type.blkidName() + ": " + needed(type));
    }

    /** Which backend a filesystem needs, and whether this build has it. */
    String needed(FilesystemType type) {
        return switch (type) {
            case EXT2, EXT3, EXT4 -> "use --backend auto or ext2fs";
            case XFS, BTRFS, LVM2_PV -> backends.stream().anyMatch(b -> b.name().equals(GUESTFS))
                    ? "use --backend guestfs"
                    : "it needs the guestfs backend (libguestfs), and the libguestfs backend is not available in this build";
            case UNKNOWN -> "no filesystem was recognised there; choose another --partition";
            default -> "guestdata injects into Linux root filesystems only (ext2/3/4; XFS and Btrfs with the guestfs backend)";
        };
    }
}
