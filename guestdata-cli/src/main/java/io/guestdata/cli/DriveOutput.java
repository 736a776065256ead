package io.guestdata.cli;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.ConfigDrive;
import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.nocloud.NoCloudSeed;
import io.guestdata.drive.vfat.FatOptions;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

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
record DriveOutput(Format format, Filesystem nocloudFilesystem, boolean dropFiles, Long volumeSize,
                   Instant recordedAt, MetadataOptions metadata, boolean force) {
    /** {@code --format}: the four things a drive can be written as. */
    enum Format { tree, iso9660, vfat, nocloud }

    /** {@code --nocloud-filesystem}. */
    enum Filesystem { iso9660, vfat }

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
        if (format == Format.nocloud && !instance.files().isEmpty() && !dropFiles) {
            throw new CommandFailure(ExitCode.FORMAT_LIMIT, "the instance has " + instance.files().size()
                    + " injected file(s) (" + String.join(", ", instance.files().stream().map(f -> f.path()).toList())
                    + "); a NoCloud seed cannot deliver files. Give --drop-files to write the seed without them, "
                    + "or write a config drive (nothing written)");
        }
    }

    /** Whether the drive is an image a hypervisor attaches as a cdrom (ISO 9660), rather than a disk. */
    boolean cdrom() {
        return format == Format.iso9660 || format == Format.nocloud && nocloudFilesystem == Filesystem.iso9660;
    }

    /**
     * Writes the drive of {@code instance} at {@code output}; nothing is left there on failure.
     *
     * @param flag how failures name the output ({@code --output} in configdrive)
     */
    Written write(Instance instance, Path output, String flag) throws CommandFailure {
        checkDeliverable(instance);
        MetadataTree tree = MetadataTree.build(instance, metadata);
        return switch (format) {
            case tree -> {
                List<MetadataFile> files = tree.configDriveFiles();
                TreeOutput.write(files, output, flag);
                yield new Written("tree", files.size(), files.stream().mapToLong(MetadataFile::size).sum(), List.of());
            }
            case iso9660 -> {
                List<ImageFile> files = ConfigDrive.files(tree);
                long size = writeIso(files, ConfigDrive.LABEL, output, flag);
                yield new Written("ISO 9660 config drive", files.size(), size, List.of());
            }
            case vfat -> {
                List<ImageFile> files = ConfigDrive.files(tree);
                long minimum = volumeSize != null ? volumeSize : FatOptions.NOVA_SIZE_BYTES;
                long size = writeVfat(files, ConfigDrive.LABEL, minimum, output, flag);
                yield new Written("VFAT config drive", files.size(), size, List.of());
            }
            case nocloud -> {
                NoCloudSeed seed;
                try {
                    seed = NoCloudSeed.of(tree, dropFiles ? NoCloudSeed.InjectedFiles.DROP : NoCloudSeed.InjectedFiles.REFUSE);
                } catch (ImageException e) {
                    throw new CommandFailure(ExitCode.FORMAT_LIMIT, e.getMessage() + " (nothing written)");
                }
                List<ImageFile> files = seed.files();
                long size = nocloudFilesystem == Filesystem.vfat
                        ? writeVfat(files, NoCloudSeed.LABEL, volumeSize != null ? volumeSize : 0, output, flag)
                        : writeIso(files, NoCloudSeed.LABEL, output, flag);
                yield new Written("NoCloud seed (" + nocloudFilesystem + ")", files.size(), size, seed.omitted());
            }
        };
    }

    private long writeIso(List<ImageFile> files, String volumeId, Path output, String flag) throws CommandFailure {
        return ImageOutput.write(DriveImage.iso9660(files, volumeId, recordedAt), output, force, flag);
    }

    private long writeVfat(List<ImageFile> files, String label, long minimumSize, Path output, String flag)
            throws CommandFailure {
        return ImageOutput.write(DriveImage.vfat(files, label, recordedAt, minimumSize), output, force, flag);
    }
}
