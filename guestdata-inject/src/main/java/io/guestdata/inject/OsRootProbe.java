package io.guestdata.inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.guestdata.inject.block.BlockDevice;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.block.FilesystemType;
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
 */
final class OsRootProbe implements Predicate<BlockDevice> {

    static final GuestPath PASSWD = GuestPath.of("/etc/passwd");
    static final List<GuestPath> ANY_OF = List.of(GuestPath.of("/sbin/init"), GuestPath.of("/usr/sbin/init"),
            GuestPath.of("/etc/os-release"));

    private final DiskImage disk;
    private final FilesystemBackends backends;
    private final FilesystemBackends.Choice choice;
    private final List<String> undecided = new ArrayList<>();

    OsRootProbe(DiskImage disk, FilesystemBackends backends, FilesystemBackends.Choice choice) {
        this.disk = disk;
        this.backends = backends;
        this.choice = choice;
    }

    /** Candidates that could not be inspected, each with the reason. */
    List<String> undecided() {
        return List.copyOf(undecided);
    }

    @Override
    public boolean test(BlockDevice device) {
        if (!(device instanceof PartitionView view)) {
            throw new IllegalArgumentException("expected a partition view, got " + device);
        }
        String where = view.number() == 0 ? "the whole disk" : "partition " + view.number();
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
        try (GuestFilesystem fs = backend.open(new InjectionTarget(disk, view, type), OpenMode.READ_ONLY)) {
            if (!fs.exists(PASSWD)) {
                return false;
            }
            for (GuestPath p : ANY_OF) {
                if (fs.exists(p)) {
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
