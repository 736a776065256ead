package io.guestdata.cli;

import io.guestdata.core.Instance;
import io.guestdata.cli.DriveOutput.Format;
import io.guestdata.drive.DriveKind;
import io.guestdata.drive.libvirt.DiskCache;
import io.guestdata.drive.libvirt.LibvirtDomainXml;
import io.guestdata.inject.rbd.RbdTarget;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code guestdata configdrive}: writes a config drive (or a NoCloud seed) for an instance. */
@Command(name = "configdrive", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Write the config drive of an instance, as Nova 26 does:",
            "  tree     the file tree a config drive holds (openstack/<version>/…, openstack/content/NNNN, ec2/…) "
                    + "in a new or empty directory;",
            "  iso9660  that tree as Nova's ISO 9660 image (Rock Ridge + Joliet, volume id config-2), attached as a "
                    + "cdrom;",
            "  vfat     that tree as a FAT image labelled config-2 (64 MiB as Nova's, grown to fit), attached as a "
                    + "disk;",
            "  nocloud  a NoCloud seed (label cidata: meta-data, user-data, network-config, vendor-data) that "
                    + "cloud-init's NoCloud datasource reads as its ConfigDrive datasource reads the config drive.",
            "Images are written to a temporary file and renamed into place when complete; nothing is left behind "
                    + "on failure. See docs/config-drive.md."})
final class ConfigDriveCommand implements Callable<Integer> {
    @Mixin
    InstanceOptions instance;

    @Mixin
    MetadataSettings settings;

    @Mixin
    DriveOptions drive;

    @Option(names = "--output", required = true, paramLabel = "PATH",
            description = "Where to write: a new or empty directory for tree, an image file otherwise, or an RBD "
                    + "image rbd:POOL/NAME[:id=USER][:conf=PATH]... (QEMU's syntax; Nova's name is "
                    + "<uuid>_disk.config; docs/ceph.md).")
    String output;

    @Mixin
    CephOptions ceph;

    @Option(names = "--rbd-secret-uuid", paramLabel = "UUID",
            description = "libvirt XML for an rbd: output: the libvirt secret holding the Ceph user's key (Nova's "
                    + "[libvirt] rbd_secret_uuid), for <auth>. Required with --libvirt-xml and an rbd: output.")
    UUID rbdSecretUuid;

    @Option(names = "--libvirt-xml", description = "After writing the image, print on stdout the libvirt domain XML "
            + "that attaches it as Nova does (<disk>, and for config drives the SMBIOS <sysinfo>); the summary line "
            + "then goes to stderr.")
    boolean libvirtXml;

    @Option(names = "--machine-type", paramLabel = "TYPE", defaultValue = "pc",
            description = "libvirt XML: the guest's machine type, which picks the cdrom bus (pc: ide, hda; q35: "
                    + "sata, sda). Default: ${DEFAULT-VALUE}.")
    LibvirtDomainXml.MachineType machineType;

    @Option(names = "--disk-path", paramLabel = "PATH",
            description = "libvirt XML: the image path in <source file>. Default: the absolute path of --output.")
    String diskPath;

    @Option(names = "--target-dev", paramLabel = "DEV",
            description = "libvirt XML: the guest device name. Default: Nova's for an instance whose only other "
                    + "disk is its root disk vda: hda (pc), sda (q35), vdb (vfat).")
    String targetDev;

    @Option(names = "--disk-cache", paramLabel = "MODE",
            description = "libvirt XML: driver cache mode (none, writeback, writethrough, directsync, unsafe). "
                    + "Default: Nova's choice, none when the directory of --output supports O_DIRECT, else writeback; "
                    + "writeback for an rbd: output.")
    String diskCache;

    @Spec
    CommandSpec spec;

    private final Map<String, String> environment;

    /** @param environment where {@code SOURCE_DATE_EPOCH} is looked up */
    ConfigDriveCommand(Map<String, String> environment) {
        this.environment = Objects.requireNonNull(environment, "environment");
    }

    @Override
    public Integer call() throws CommandFailure {
        checkOptionCombinations();
        DriveOutput out = drive.output(environment, settings.options());
        Instance loaded = instance.load();
        DriveOutput.Written written;
        LibvirtDomainXml.Source source;
        String where;
        if (RbdTarget.isRbd(output)) {
            RbdTarget target = CephOptions.target("--output", output);
            DriveOutput.InRbd inRbd = out.write(loaded, target, ceph.settings(), "--output");
            written = inRbd.written();
            where = target.toString();
            source = new LibvirtDomainXml.Source.Rbd(target.spec(), inRbd.monitors().stream()
                    .map(m -> new LibvirtDomainXml.Source.Monitor(m.host(), m.port())).toList(),
                    Optional.of(target.user().orElse("admin")), Optional.ofNullable(rbdSecretUuid));
        } else {
            Path image = Path.of(output).toAbsolutePath().normalize();
            written = out.write(loaded, Path.of(output), "--output");
            where = image.toString();
            source = new LibvirtDomainXml.Source.File(diskPath != null ? diskPath : image.toString());
        }
        PrintWriter summary = libvirtXml ? spec.commandLine().getErr() : spec.commandLine().getOut();
        for (String line : written.omitted()) {
            spec.commandLine().getErr().println("guestdata: note: not in the NoCloud seed: " + line);
        }
        summary.println(drive.format == Format.tree
                ? "wrote " + written.files() + " files to " + output
                : "wrote " + written.what() + " " + where + " (" + written.files() + " files, " + written.bytes()
                        + " bytes)");
        if (libvirtXml) {
            DriveKind kind = out.kind().orElseThrow(() -> new IllegalStateException("--libvirt-xml with a tree"));
            spec.commandLine().getOut().print(domainXml(loaded, kind, source).render());
            spec.commandLine().getOut().flush();
        }
        return ExitCode.OK;
    }

    private LibvirtDomainXml domainXml(Instance loaded, DriveKind kind, LibvirtDomainXml.Source source) {
        // Nova's cache mode: its O_DIRECT probe of the instance directory for a file; DiskCache.RBD for RBD
        String cache = diskCache != null ? diskCache : source instanceof LibvirtDomainXml.Source.File
                ? DiskCache.forDirectory(Path.of(output).toAbsolutePath().normalize().getParent()) : DiskCache.RBD;
        return LibvirtDomainXml.of(kind.cdrom(), machineType, targetDev, source, cache, kind.smbios(loaded.uuid()));
    }

    /** Options that only mean something with other options are refused without them (exit 2). */
    private void checkOptionCombinations() throws CommandFailure {
        List<String> problems = new ArrayList<>(drive.misplaced(libvirtXml ? List.of("--libvirt-xml") : List.of()));
        String xmlOnly = " applies to --libvirt-xml only";
        refuse(problems, !libvirtXml && spec.commandLine().getParseResult().hasMatchedOption("--machine-type"),
                "--machine-type" + xmlOnly);
        refuse(problems, !libvirtXml && diskPath != null, "--disk-path" + xmlOnly);
        refuse(problems, !libvirtXml && targetDev != null, "--target-dev" + xmlOnly);
        refuse(problems, !libvirtXml && diskCache != null, "--disk-cache" + xmlOnly);
        String xmlText = ": must be non-empty text that XML can hold (no control characters)";
        refuse(problems, diskPath != null && !isXmlValue(diskPath), "--disk-path" + xmlText);
        refuse(problems, targetDev != null && !isXmlValue(targetDev), "--target-dev" + xmlText);
        refuse(problems, diskCache != null && !DiskCache.LIBVIRT_MODES.contains(diskCache), "--disk-cache " + diskCache
                + ": not a libvirt cache mode (" + String.join(", ", DiskCache.LIBVIRT_MODES) + ")");
        boolean rbd = RbdTarget.isRbd(output);
        refuse(problems, !rbd && libvirtXml && diskPath == null
                        && !isXmlValue(Path.of(output).toAbsolutePath().toString()),
                "--output: its path has characters XML cannot hold; give --disk-path for the libvirt XML");
        refuse(problems, rbd && diskPath != null, "--disk-path: an rbd: output is a network disk, not a file");
        refuse(problems, rbd && libvirtXml && rbdSecretUuid == null, "--libvirt-xml with an rbd: output needs "
                + "--rbd-secret-uuid (the libvirt secret holding the Ceph user's key, Nova's [libvirt] rbd_secret_uuid)");
        refuse(problems, !rbd && rbdSecretUuid != null, "--rbd-secret-uuid applies to an rbd: --output only");
        refuse(problems, rbd && drive.format == Format.tree, "--format tree writes a directory, not an image: an rbd:"
                + " --output takes iso9660, vfat or nocloud");
        if (!problems.isEmpty()) {
            throw new CommandFailure(ExitCode.USAGE, problems);
        }
    }

    private static void refuse(List<String> problems, boolean condition, String problem) {
        if (condition) {
            problems.add(problem);
        }
    }

    private static boolean isXmlValue(String value) {
        return !value.isEmpty() && LibvirtDomainXml.isXmlText(value);
    }
}
