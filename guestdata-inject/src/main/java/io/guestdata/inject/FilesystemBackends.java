package io.guestdata.inject;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.guestfs.GuestfsSettings;

/**
 * The filesystem backends of this build and how {@code --backend auto|ext2fs|guestfs} picks one.
 *
 * <p>{@code auto} takes the first backend that {@link FilesystemBackend#supports supports} the
 * target's filesystem (this build: ext2fs for ext2/3/4, guestfs for XFS, Btrfs and LVM);
 * otherwise it names the backend that would be needed. A backend that is in the build but cannot
 * be used on this machine ({@link FilesystemBackend#unavailable()}: libguestfs not installed) is
 * reported with what to install, when it is needed and not before.
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

    /**
     * Every backend compiled into this build, in the order {@code auto} tries them: ext2fs, then
     * guestfs with libguestfs configured by its environment ({@code LIBGUESTFS_BACKEND}, …).
     */
    public static FilesystemBackends thisBuild() {
        return thisBuild(GuestfsSettings.DEFAULT);
    }

    /** As {@link #thisBuild()}, with the libguestfs appliance settings given. */
    public static FilesystemBackends thisBuild(GuestfsSettings guestfs) {
        return thisBuild(guestfs, new Ext2fsBackend());
    }

    /**
     * As {@link #thisBuild()}, with the libguestfs appliance settings and the ext2fs backend given
     * (in-process, or {@link Ext2fsBackend#sandboxed sandboxed}, as the CLI and the service run it).
     */
    public static FilesystemBackends thisBuild(GuestfsSettings guestfs, Ext2fsBackend ext2fs) {
        return new FilesystemBackends(List.of(ext2fs, new GuestfsBackend(guestfs)));
    }

    public List<FilesystemBackend> all() {
        return backends;
    }

    /**
     * The backends as one injection uses them ({@link FilesystemBackend#openSession}); closing the
     * session releases what they held for it.
     */
    public Session openSession() {
        List<FilesystemBackend.Session> sessions = new java.util.ArrayList<>();
        for (FilesystemBackend b : backends) {
            sessions.add(b.openSession());
        }
        return new Session(new FilesystemBackends(sessions.stream().map(FilesystemBackend.Session::backend).toList()),
                sessions);
    }

    /** {@link #backends()} for one injection; {@link #close()} releases them. */
    public static final class Session implements AutoCloseable {
        private final FilesystemBackends backends;
        private final List<FilesystemBackend.Session> sessions;

        private Session(FilesystemBackends backends, List<FilesystemBackend.Session> sessions) {
            this.backends = backends;
            this.sessions = List.copyOf(sessions);
        }

        public FilesystemBackends backends() {
            return backends;
        }

        @Override
        public void close() {
            for (FilesystemBackend.Session s : sessions.reversed()) {
                s.close();
            }
        }
    }

    /**
     * The backend named by an explicit choice, before any image is opened; empty for AUTO.
     *
     * @throws BackendUnavailableException it is not in this build, or cannot be used on this machine
     */
    public Optional<FilesystemBackend> named(Choice choice) throws BackendUnavailableException {
        if (choice == Choice.AUTO) {
            return Optional.empty();
        }
        String name = choice.label();
        for (FilesystemBackend b : backends) {
            if (b.name().equals(name)) {
                Optional<String> unavailable = b.unavailable();
                if (unavailable.isPresent()) {
                    throw new BackendUnavailableException("the " + name + " backend cannot be used: " + unavailable.get());
                }
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
                Optional<String> unavailable = b.unavailable();
                if (unavailable.isPresent()) {
                    throw new BackendUnavailableException(where + " holds " + type.blkidName() + ", which needs the "
                            + b.name() + " backend, and it cannot be used: " + unavailable.get());
                }
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
                    ? "use --backend guestfs or auto"
                    : "it needs the guestfs backend (libguestfs), and the libguestfs backend is not available in this build";
            case UNKNOWN -> "no filesystem was recognised there; choose another --partition";
            default -> "guestdata injects into Linux root filesystems only (ext2/3/4; XFS and Btrfs with the guestfs backend)";
        };
    }
}
