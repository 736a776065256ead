package io.guestdata.cli;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.DriveKind;
import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import io.guestdata.inject.rbd.RbdImage;
import io.guestdata.inject.rbd.RbdImport;
import io.guestdata.inject.rbd.RbdPool;
import io.guestdata.inject.rbd.RbdTarget;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One drive of one instance, written at one path all or nothing: instance → {@link MetadataTree} → the
 * format's files → a directory ({@link TreeOutput}) or an image file ({@link ImageOutput}). The one place
 * {@code configdrive} and {@code batch} make a drive, so a drive has the same bytes whichever wrote it.
 *
 * <p>Immutable and thread-safe: {@code batch} writes many drives with one of these from several threads.
 *
 * @param format            what to write
 * @param nocloudFilesystem the file system of a NoCloud seed (ignored for other formats)
 * @param dropFiles         NoCloud: leave injected files out instead of refusing the instance
 * @param volumeSize        VFAT: the smallest volume size in bytes, or null for the format's default
 * @param recordedAt        the time images record; null for a tree, which records none
 * @param metadata          the service-wide settings the tree is built with
 * @param force             replace an existing image file (atomically)
 */
record DriveOutput(Format format, DriveKind.SeedFilesystem nocloudFilesystem, boolean dropFiles, Long volumeSize,
                   Instant recordedAt, MetadataOptions metadata, boolean force) {
    /** {@code --format}: the four things a drive can be written as: a directory, or an image ({@link DriveKind}). */
    enum Format {
        tree(null), iso9660(DriveKind.Format.iso9660), vfat(DriveKind.Format.vfat), nocloud(DriveKind.Format.nocloud);

        private final DriveKind.Format image;

        Format(DriveKind.Format image) {
            this.image = image;
        }
    }

    DriveOutput {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(nocloudFilesystem, "nocloudFilesystem");
        Objects.requireNonNull(metadata, "metadata");
        if (format != Format.tree) {
            Objects.requireNonNull(recordedAt, "recordedAt");
        }
    }

    /**
     * What was written.
     *
     * @param what    the kind of drive, for the summary line ("ISO 9660 config drive", "NoCloud seed (vfat)";
     *                "tree" for a directory)
     * @param files   how many files the drive holds
     * @param bytes   the image size, or for a tree the sum of its files' sizes
     * @param omitted NoCloud: one line per kind of instance data the seed does not carry
     */
    record Written(String what, int files, long bytes, List<String> omitted) {
        Written {
            omitted = List.copyOf(omitted);
        }
    }

    /** Refuses (exit 12) an instance whose injected files a NoCloud seed would silently lose. */
    private void checkDeliverable(Instance instance) throws CommandFailure {
        List<String> undeliverable = kind().map(k -> k.undeliverableFiles(instance)).orElse(List.of());
        if (!undeliverable.isEmpty() && !dropFiles) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, "the instance has " + undeliverable.size()
                    + " injected file(s) (" + String.join(", ", undeliverable)
                    + "); a NoCloud seed cannot deliver files. Give --drop-files to write the seed without them, "
                    + "or write a config drive (nothing written)");
        }
    }

    /** The image this drive is; empty for a tree (a directory). */
    Optional<DriveKind> kind() {
        return Optional.ofNullable(format.image).map(f -> new DriveKind(f, nocloudFilesystem));
    }

    /**
     * Writes the drive of {@code instance} at {@code output}; nothing is left there on failure.
     *
     * @param flag how failures name the output ({@code --output} in configdrive)
     */
    Written write(Instance instance, Path output, String flag) throws CommandFailure {
        if (format == Format.tree) {
            checkDeliverable(instance);
            List<MetadataFile> files = MetadataTree.build(instance, metadata).configDriveFiles();
            TreeOutput.write(files, output, flag);
            return new Written("tree", files.size(), files.stream().mapToLong(MetadataFile::size).sum(), List.of());
        }
        Image made = image(instance);
        return made.written(ImageOutput.write(made.image(), output, force, flag));
    }

    /**
     * Writes the drive image of {@code instance} into the RBD image {@code target} (see {@link RbdOutput}); the
     * monitors it reports are for the libvirt XML.
     */
    InRbd write(Instance instance, RbdTarget target, RbdImage.Settings settings, String flag) throws CommandFailure {
        Image made = image(instance);
        RbdImport.Imported written = RbdOutput.write(made.image(), target, force, settings, flag);
        return new InRbd(made.written(written.size()), written.monitors());
    }

    /** A drive written into RBD, and the cluster's monitors (for libvirt's network {@code <disk>}). */
    record InRbd(Written written, List<RbdPool.Monitor> monitors) {
    }

    /** An image drive, not yet written: its kind, file count, NoCloud omissions and bytes to come. */
    private record Image(String what, int files, List<String> omitted, DriveImage image) {
        Written written(long size) {
            return new Written(what, files, size, omitted);
        }
    }

    /** The image of a config drive or NoCloud seed (not a tree); its layout is checked when its size is asked. */
    private Image image(Instance instance) throws CommandFailure {
        checkDeliverable(instance);
        DriveKind kind = kind().orElseThrow(() -> new IllegalStateException(
                "a tree is a directory, not an image (refused with the options)"));
        try {
            DriveKind.Made made = kind.image(MetadataTree.build(instance, metadata), recordedAt,
                    Optional.ofNullable(volumeSize), dropFiles);
            return new Image(kind.description(), made.files(), made.omitted(), made.image());
        } catch (ImageException e) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
        }
    }
}
