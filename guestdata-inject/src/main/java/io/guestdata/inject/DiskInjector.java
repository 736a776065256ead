package io.guestdata.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

import io.guestdata.core.Instance;
import io.guestdata.inject.block.DiskImage;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.net.ChapPassword;
import io.guestdata.inject.net.NetworkDisk;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdTarget;

/**
 * Disk injection end to end, as Nova's {@code inject_data} (nova-compat.md §7) but safe. A run is a
 * line of stages in the order of the safety model (docs/injection.md), each a small class handing
 * the next an immutable result, none calling back into the one before:
 *
 * <ol>
 *   <li>{@link DecideScope}: the options read once; the partition rule, the backend named, nothing to
 *       do (the image is then never opened);</li>
 *   <li>{@link OpenImage} (safety model 0, 1): an interrupted injection rolled back, the image opened
 *       with its format checked, under its lock (a dry run read-only, unlocked);</li>
 *   <li>{@link LocateFilesystem} (2): the partition and the backend for its filesystem, once;</li>
 *   <li>{@link CheckFilesystem} (3): the filesystem opened and checked by that backend (libguestfs gets
 *       the image file once our handle is closed, or an NBD export of an RBD image or network disk);</li>
 *   <li>{@link PlanWrites} (4): every write computed and checked before the first write;</li>
 *   <li>{@link ApplyPlan} (5): the writes, in Nova's order;</li>
 *   <li>{@link CloseAndReport} (6): the filesystem closed, staged writes committed, the image closed;
 *       the {@link InjectionReport} says what was written and what was not.</li>
 * </ol>
 *
 * What a run holds open is closed in one place, {@link InjectionHandles}, in the reverse order of
 * opening. Failures before the plan (the image, the partition, the filesystem, the backend) are
 * thrown and nothing was written. From the plan on, the result is a report, whatever happened.
 */
public final class DiskInjector {

    private final FilesystemBackends backends;
    private final RandomGenerator random;

    /** The backends of this build and a SecureRandom for password salts. */
    public DiskInjector() {
        this(FilesystemBackends.thisBuild(), new SecureRandom());
    }

    public DiskInjector(FilesystemBackends backends, RandomGenerator random) {
        this.backends = Objects.requireNonNull(backends, "backends");
        this.random = Objects.requireNonNull(random, "random");
    }

    /**
     * Injects the instance's data into a network disk QEMU opens (an NBD export, an iSCSI LUN;
     * {@link DiskImage#openNetwork}), as into a raw image file: the same partition rules, the in-process
     * ext2/3/4 backend, the undo journal (found by the disk's canonical URI). No lock: the server's
     * exclusivity applies. Filesystems only the libguestfs backend writes (XFS, Btrfs, LVM) reach its
     * appliance through an NBD export of the open disk, as for RBD images.
     *
     * @param password the iSCSI CHAP password, exactly when the URI names a user
     * @throws IOException the disk cannot be reached or opened (the server's or QEMU's words), QEMU's
     *                     driver for it is not installed; nothing written
     * @see #inject(Path, Instance, InjectionOptions)
     */
    public InjectionReport inject(NetworkDisk disk, Optional<ChapPassword> password, Instance instance,
                                  InjectionOptions options) throws IOException, GuestFsException, BackendUnavailableException {
        return run(new InjectionSource.Network(disk, password), instance, options);
    }

    /**
     * Injects the instance's data into an RBD image, as into a raw image file: the same partition
     * rules, the in-process ext2/3/4 backend, the undo journal (found by the cluster, pool and image
     * id). A real run holds the image under librbd's exclusive lock and refuses it while anyone else
     * watches it ({@link RbdImage}); a dry run opens it read-only. Filesystems only the libguestfs
     * backend writes (XFS, Btrfs, LVM, and -1 when it must inspect) are served to its appliance as an
     * NBD export on a private Unix socket while this process keeps the image open under its lock
     * ({@link ExportedDisk}); QEMU is given the socket only, never a key or the cluster.
     *
     * @throws IOException the cluster, pool or image cannot be used, or it is in use; nothing written
     * @see #inject(Path, Instance, InjectionOptions)
     */
    public InjectionReport inject(RbdTarget target, RbdImage.Settings settings, Instance instance,
                                  InjectionOptions options) throws IOException, GuestFsException, BackendUnavailableException {
        return run(new InjectionSource.Rbd(target, settings), instance, options);
    }

    /**
     * Injects the instance's data into the image.
     *
     * @throws BackendUnavailableException the filesystem needs a backend this build lacks, or one
     *                                     that cannot be used here (libguestfs not installed), or the
     *                                     one named cannot read it; nothing written
     * @throws IOException                 the image cannot be opened, is in use, or the partition
     *                                     cannot be chosen ({@link io.guestdata.inject.block.BlockException}); nothing written
     * @throws GuestFsException            the filesystem must not be written (journal needs
     *                                     recovery, unclean, unsupported feature) or cannot be
     *                                     opened (libguestfs); nothing written
     */
    public InjectionReport inject(Path image, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        return run(new InjectionSource.ImageFile(image), instance, options);
    }

    /**
     * One run: one session of the backends (what a backend holds for it, a sandboxed worker, serves
     * it alone), and the stages in order; whatever they still hold when one throws is closed here.
     */
    private InjectionReport run(InjectionSource source, Instance instance, InjectionOptions options)
            throws IOException, GuestFsException, BackendUnavailableException {
        try (FilesystemBackends.Session session = backends.openSession();
             InjectionHandles handles = new InjectionHandles()) {
            return switch (new DecideScope(session.backends()).run(source, instance, options)) {
                case DecideScope.NothingToDo nothing -> nothing.report();
                case DecideScope.Scope scope -> {
                    OpenImage.Opened opened = new OpenImage(handles).run(scope);
                    LocateFilesystem.Located located = new LocateFilesystem(session.backends()).run(opened);
                    CheckFilesystem.Checked checked = new CheckFilesystem(handles).run(located);
                    PlanWrites.Planned planned = new PlanWrites(random).run(checked);
                    ApplyPlan.Applied applied = new ApplyPlan().run(planned);
                    yield new CloseAndReport(handles).run(applied);
                }
            };
        }
    }
}
