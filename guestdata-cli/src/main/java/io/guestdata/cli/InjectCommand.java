package io.guestdata.cli;

import io.guestdata.core.Instance;
import io.guestdata.inject.BackendUnavailableException;
import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.DiskTargetKind;
import io.guestdata.inject.DiskTargetSyntaxException;
import io.guestdata.inject.Ext2fsBackend;
import io.guestdata.inject.FilesystemBackends;
import io.guestdata.inject.InjectionItem;
import io.guestdata.inject.InjectionOptions;
import io.guestdata.inject.InjectionReport;
import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.InjectionRequest;
import io.guestdata.inject.PasswordHash;
import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.UndoJournal;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.guestfs.GuestfsSettings;
import io.guestdata.inject.net.NetworkDisk;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/** {@code guestdata inject}: writes an instance's data into a guest disk image, as Nova's disk injection. */
@Command(name = "inject", mixinStandardHelpOptions = true,
        description = {
            "Write the instance's SSH keys, network configuration, metadata (/meta.js), admin password and files "
                    + "into a guest disk image, as Nova's libvirt disk injection does, without mounting anything on the "
                    + "host: ext2/3/4 in-process (libext2fs), XFS, Btrfs and LVM through libguestfs' appliance VM.",
            "Every write is planned and checked before the first byte is written (symlinks and hard links refused, "
                    + "owners from the guest's own /etc/passwd and /etc/group, root present for the password, free "
                    + "space); then the writes are done in Nova's order: key, net, metadata, password, files. The "
                    + "report says, per path, what was written and what was not. See docs/injection.md."},
        footerHeading = "%nExit codes:%n",
        footer = {"  0  done (or dry run: all would be written; or nothing to inject)", "  2  usage error",
                "  3  invalid instance document", "  6  a local input file cannot be read",
                "  7  the image cannot be used (missing, in use, format or backing file refused, partition, filesystem"
                        + " state; a network disk's server unreachable or refusing, QEMU's driver for it not"
                        + " installed); nothing written",
                "  8  a check refused the injection before the first write; nothing written",
                "  9  a write failed; the report says what was written",
                " 10  --best-effort: some items were refused or failed, the others written",
                " 11  the filesystem needs a backend this build does not have, libguestfs is not installed, or the"
                        + " sandbox cannot run (bubblewrap missing); nothing written"})
final class InjectCommand implements Callable<Integer> {
    @Mixin
    InstanceOptions instance;

    @Option(names = "--image", required = true, paramLabel = "PATH|rbd:POOL/IMAGE|URI",
            description = "The guest disk: an image file, a block device (/dev/...), an RBD image in QEMU's syntax"
                    + " (rbd:POOL/IMAGE:id=USER:conf=PATH, read and written through librbd), or a network disk QEMU"
                    + " opens: nbd://HOST[:PORT]/EXPORT, nbd+unix:///EXPORT?socket=PATH,"
                    + " iscsi://[USER@]HOST[:PORT]/TARGET/LUN (docs/ceph.md).")
    String image;

    @Mixin
    CephOptions ceph;

    @Mixin
    NetworkDiskOptions network;

    @Option(names = "--image-format", paramLabel = "FORMAT", defaultValue = "auto",
            description = "raw, qcow2 (or another QEMU format) or auto (default: auto, detected from the header).")
    String imageFormat;

    @Option(names = "--base-image-dir", paramLabel = "DIR",
            description = "A directory of base images (Nova's _base) below which the image's backing files may lie;"
                    + " repeatable. Default: none, and an image that names a backing file is refused (exit 7).")
    List<Path> baseImageDirs;

    @Option(names = "--partition", paramLabel = "N", defaultValue = "-1",
            description = "Nova's inject_partition: -1 the one partition holding an OS root (default), 0 the whole disk,"
                    + " N partition N, -2 injection off.")
    int partition;

    @Option(names = "--backend", paramLabel = "NAME", defaultValue = "auto",
            description = "auto (ext2fs for ext2/3/4, guestfs for XFS, Btrfs, LVM), ext2fs, or guestfs (libguestfs for"
                    + " every filesystem; needs the Debian packages libguestfs-tools and libguestfs-java).")
    String backend;

    @Option(names = "--only", paramLabel = "ITEM", split = ",",
            description = "Inject only these items: key, net, metadata, password, files (comma-separated). An item "
                    + "named here without data to inject is an error.")
    List<String> only;

    @Option(names = "--dry-run", description = "Open the image read-only, check and print the plan, write nothing.")
    boolean dryRun;

    @Option(names = "--best-effort",
            description = "Go on past a refused or failed item (exit 10 if any); default: all or nothing before the "
                    + "first write, stop at the first failed write.")
    boolean bestEffort;

    @Option(names = "--password-hash", paramLabel = "SCHEME", defaultValue = "sha512",
            description = "sha512 ($6$, default) or md5 ($1$, what Nova writes).")
    String passwordHash;

    @Option(names = "--json", description = "Print the report as JSON.")
    boolean json;

    @Option(names = "--undo-dir", paramLabel = "DIR",
            description = "Where the undo journal of an injection is kept while it writes, so that an interrupted "
                    + "injection is rolled back by the next run (default: $XDG_STATE_HOME/guestdata/undo, else "
                    + "~/.local/state/guestdata/undo).")
    Path undoDir;

    @Option(names = "--sandbox", paramLabel = "MODE", defaultValue = "bwrap",
            description = "bwrap (default): libext2fs reads and writes the guest filesystem in a worker process isolated"
                    + " by bubblewrap (no network, no host file, an unprivileged user, memory and time limits; needs the"
                    + " Debian package bubblewrap); off: in this process, for trusted images and debugging only.")
    String sandbox;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;

    /** {@code environment}: where libguestfs' settings come from ({@code LIBGUESTFS_BACKEND}, …). */
    InjectCommand(Map<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    /** Warm-up injections for the CLI's worker: none; it would only make the one real injection wait. */
    static final int CLI_WARMUP_ROUNDS = 0;

    @Override
    public Integer call() throws CommandFailure {
        // The worker starts now, in parallel with reading the instance and opening the image.
        try (Ext2fsSandbox ext2fsSandbox = startSandbox()) {
            return inject(ext2fsSandbox);
        }
    }

    /** The sandbox for {@code --sandbox bwrap} (its one worker starting at once), or null for {@code off}. */
    private Ext2fsSandbox startSandbox() throws CommandFailure {
        return switch (sandbox) {
            case "bwrap" -> {
                Ext2fsSandbox started = Ext2fsSandbox.start(SandboxSettings.fromEnvironment(environment).withPoolSize(0)
                        .withWarmupRounds(CLI_WARMUP_ROUNDS));
                // one worker, no replacement; none ahead for --backend guestfs, which never uses libext2fs
                yield "guestfs".equals(backend) ? started : started.prestart();
            }
            case "off" -> null;
            default -> throw new CommandFailure(ExitCode.USAGE, "--sandbox must be bwrap or off, got '" + sandbox + "'");
        };
    }

    private Integer inject(Ext2fsSandbox ext2fsSandbox) throws CommandFailure {
        InjectionOptions options = options();
        Instance loaded = instance.load();
        PrintWriter out = spec.commandLine().getOut();
        InjectionReport report;
        try {
            Ext2fsBackend ext2fs = ext2fsSandbox == null ? new Ext2fsBackend() : Ext2fsBackend.sandboxed(ext2fsSandbox);
            if (ext2fsSandbox != null && options.backend() != FilesystemBackends.Choice.GUESTFS) {
                // never a silent fallback to libext2fs in this process
                java.util.Optional<String> unavailable = ext2fsSandbox.unavailable();
                if (unavailable.isPresent()) {
                    throw new BackendUnavailableException(unavailable.get());
                }
            }
            DiskInjector injector = new DiskInjector(
                    FilesystemBackends.thisBuild(GuestfsSettings.fromEnvironment(environment), ext2fs), new SecureRandom());
            report = switch (kind()) {
                case RBD -> injector.inject(CephOptions.target("--image", image), ceph.settings(), loaded, options);
                case NBD, ISCSI -> {
                    NetworkDisk disk = NetworkDiskOptions.target("--image", image);
                    yield injector.inject(disk, network.password(disk, environment), loaded, options);
                }
                case IMAGE_FILE -> injector.inject(Path.of(image), loaded, options);
            };
        } catch (BackendUnavailableException e) {
            throw fail(out, ExitCode.BACKEND, e.getMessage());
        } catch (GuestFsException e) {
            throw fail(out, ExitCode.IMAGE, e.getMessage() + "; nothing was written");
        } catch (IOException e) {
            throw fail(out, ExitCode.IMAGE, e.getMessage() + "; nothing was written");
        }
        if (json) {
            out.println(InjectReportOutput.json(report));
        } else {
            InjectReportOutput.table(report, out);
        }
        out.flush();
        int code = exitCode(report);
        if (code != ExitCode.OK) {
            throw new CommandFailure(code, problems(report));
        }
        return ExitCode.OK;
    }

    /** Which kind of disk {@code --image} names (the one decision, {@link DiskTargetKind}). */
    private DiskTargetKind kind() throws CommandFailure {
        try {
            return DiskTargetKind.of(image);
        } catch (DiskTargetSyntaxException e) {
            throw new CommandFailure(ExitCode.USAGE, "--image: " + e.getMessage());
        }
    }

    private InjectionOptions options() throws CommandFailure {
        try {
            Optional<ImageFormat> format = ImageFormat.fromOption(imageFormat);
            if (partition < -2) {
                throw new IllegalArgumentException("--partition " + partition
                        + " is not valid: use -1 (find the OS), 0 (whole disk), a partition number, or -2 (off)");
            }
            FilesystemBackends.Choice choice = FilesystemBackends.Choice.ofLabel(backend);
            Set<InjectionItem> items = EnumSet.allOf(InjectionItem.class);
            boolean explicit = only != null && !only.isEmpty();
            if (explicit) {
                items = EnumSet.noneOf(InjectionItem.class);
                for (String label : only) {
                    items.add(InjectionItem.ofLabel(label));
                }
            }
            InjectionRequest request = new InjectionRequest(items, explicit, PasswordHash.ofLabel(passwordHash), false);
            BackingFilePolicy backing = baseImageDirs == null || baseImageDirs.isEmpty() ? BackingFilePolicy.refuseAll()
                    : BackingFilePolicy.below(baseImageDirs, "--base-image-dir");
            return InjectionOptions.defaults().withImageFormat(format).withPartition(partition).withBackend(choice)
                    .withRequest(request).withDryRun(dryRun).withBestEffort(bestEffort).withBackingFiles(backing)
                    .withUndoDirectory(undoDir != null ? undoDir.toAbsolutePath()
                            : UndoJournal.defaultDirectory(environment));
        } catch (IllegalArgumentException e) {
            throw new CommandFailure(ExitCode.USAGE, e.getMessage());
        }
    }


    /** Before a report exists: the error on stderr, and with --json also as JSON on stdout. */
    private CommandFailure fail(PrintWriter out, int code, String message) {
        if (json) {
            out.println(InjectReportOutput.jsonError(image, dryRun, code, message));
            out.flush();
        }
        return new CommandFailure(code, message);
    }

    static int exitCode(InjectionReport report) {
        return switch (report.outcome()) {
            case DONE, PLANNED, NOTHING_TO_DO -> ExitCode.OK;
            case REFUSED -> ExitCode.REFUSED;
            case FAILED -> ExitCode.FAILED;
            case PARTIAL -> ExitCode.PARTIAL;
        };
    }

    /** One stderr line per refusal or failure, and the summary. */
    private static List<String> problems(InjectionReport report) {
        List<String> lines = new ArrayList<>();
        for (Entry e : report.entries()) {
            if (e.status() == Status.REFUSED || e.status() == Status.FAILED) {
                lines.add(e.item().label() + " " + e.path().orElse("") + ": " + e.status().label() + ": " + e.detail());
            }
        }
        lines.add(InjectReportOutput.summary(report));
        return lines;
    }
}
