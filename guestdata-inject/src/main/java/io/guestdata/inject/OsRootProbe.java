package io.guestdata.inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

import io.guestdata.inject.block.BlockDevice;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.block.Partition;
import io.guestdata.inject.block.PartitionTable;
import io.guestdata.inject.block.PartitionView;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

/**
 * "Does this filesystem hold an OS root?" for {@code --partition -1} (Nova: libguestfs
 * {@code inspect_os}): it holds {@code /etc/passwd} and one of {@code /sbin/init},
 * {@code /usr/sbin/init} or {@code /etc/os-release}. Each candidate is opened READ_ONLY with the
 * backend its filesystem needs. A candidate no backend of this build can open, or one that cannot
 * be read, is remembered: the caller refuses to guess when any candidate stayed undecided.
 *
 * <p>A candidate whose backend opens the image file itself ({@link ImageFileBackend}: guestfs for
 * XFS and Btrfs) is not opened here, which would cost an appliance launch per candidate: it is
 * <em>deferred</em>, and the caller lets that backend find the root among all of them
 * ({@link io.guestdata.inject.block.InjectPartition.Find}, libguestfs {@code inspect_os}). LVM
 * physical volumes, which hold no filesystem of their own, are deferred the same way when such a
 * backend can be used ({@link #deferLvmMembers}); otherwise they are not candidates, as before.
 */
final class OsRootProbe implements Predicate<BlockDevice> {

    static final GuestPath PASSWD = GuestPath.of("/etc/passwd");
    static final List<GuestPath> ANY_OF = List.of(GuestPath.of("/sbin/init"), GuestPath.of("/usr/sbin/init"),
            GuestPath.of("/etc/os-release"));

    private final DiskImage disk;
    private final FilesystemBackends backends;
    private final FilesystemBackends.Choice choice;
    private final List<String> undecided = new ArrayList<>();
    private final List<String> deferred = new ArrayList<>();
    private ImageFileBackend deferredTo;
    private int roots;

    OsRootProbe(DiskImage disk, FilesystemBackends backends, FilesystemBackends.Choice choice) {
        this.disk = disk;
        this.backends = backends;
        this.choice = choice;
    }

    /** Candidates that could not be inspected, each with the reason. */
    List<String> undecided() {
        return List.copyOf(undecided);
    }

    /** Candidates left to {@link #deferredTo()}: "partition 2 (xfs)". */
    List<String> deferred() {
        return List.copyOf(deferred);
    }

    /** The backend that can inspect the deferred candidates. */
    Optional<ImageFileBackend> deferredTo() {
        return Optional.ofNullable(deferredTo);
    }

    /** How many candidates were found to hold an OS root. */
    int roots() {
        return roots;
    }

    /**
     * Defers every LVM physical volume on the disk (or the disk itself) to an image-file backend
     * that reads LVM, when one can be used; does nothing otherwise.
     */
    void deferLvmMembers(BlockDevice disk) throws IOException {
        PartitionTable table = PartitionTable.read(disk);
        List<PartitionView> views = new ArrayList<>();
        if (table.isUnpartitioned()) {
            views.add(PartitionView.wholeDisk(disk));
        } else {
            for (Partition p : table.partitions()) {
                if (!p.type().isExtendedContainer()) {
                    views.add(PartitionView.of(disk, p));
                }
            }
        }
        for (PartitionView view : views) {
            if (FilesystemType.probe(view) == FilesystemType.LVM2_PV) {
                try {
                    if (backends.forFilesystem(choice, FilesystemType.LVM2_PV, where(view))
                            instanceof ImageFileBackend b) {
                        defer(b, view, FilesystemType.LVM2_PV);
                    }
                } catch (BackendUnavailableException e) {
                    // no backend for LVM here: not a candidate, as without one
                }
            }
        }
    }

    private static String where(PartitionView view) {
        return view.number() == 0 ? "the whole disk" : "partition " + view.number();
    }

    private void defer(ImageFileBackend backend, PartitionView view, FilesystemType type) {
        if (deferredTo == null) {
            deferredTo = backend;
        }
        deferred.add(where(view) + " (" + type.blkidName() + ")");
    }

    @Override
    public boolean test(BlockDevice device) {
        if (!(device instanceof PartitionView view)) {
            throw new IllegalArgumentException("expected a partition view, got " + device);
        }
        String where = where(view);
        FilesystemType type;
        try {
            type = FilesystemType.probe(view);
        } catch (IOException e) {
            undecided.add(where + " cannot be read: " + e.getMessage());
            return false;
        }
        FilesystemBackend backend;
        try {
            backend = backends.forFilesystem(choice, type, where);
        } catch (BackendUnavailableException e) {
            undecided.add(e.getMessage());
            return false;
        }
        if (backend instanceof ImageFileBackend b) {
            defer(b, view, type);
            return false;
        }
        try (GuestFilesystem fs = backend.open(new InjectionTarget(disk, view, type), OpenMode.READ_ONLY)) {
            if (!fs.exists(PASSWD)) {
                return false;
            }
            for (GuestPath p : ANY_OF) {
                if (fs.exists(p)) {
                    roots++;
                    return true;
                }
            }
            return false;
        } catch (GuestFsException | IOException e) {
            undecided.add(where + " (" + type.blkidName() + ") could not be inspected: " + e.getMessage());
            return false;
        }
    }
}
