package io.guestdata.cli;

import io.guestdata.drive.DriveKind.SeedFilesystem;
import io.guestdata.cli.DriveOutput.Format;
import io.guestdata.core.metadata.MetadataOptions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options that say which drive to write, shared by {@code configdrive} (one drive) and {@code batch} (many):
 * declared, checked together and turned into a {@link DriveOutput} here, once.
 */
final class DriveOptions {
    @Option(names = "--format", required = true, paramLabel = "FORMAT",
            description = "Output format: ${COMPLETION-CANDIDATES}.")
    Format format;

    @Option(names = "--force", description = "Replace an existing image file (atomically). Without it an existing "
            + "file is refused (exit 4; in a batch, in that document's entry, and the others go on).")
    boolean force;

    @Option(names = "--nocloud-filesystem", paramLabel = "FS",
            description = "File system of a NoCloud seed: ${COMPLETION-CANDIDATES} (default: iso9660, as cloud-localds).")
    SeedFilesystem nocloudFilesystem;

    @Option(names = "--drop-files", description = "NoCloud: leave the instance's injected files out of the seed "
            + "(NoCloud cannot deliver files). Without it an instance with files is refused (exit 12).")
    boolean dropFiles;

    @Option(names = "--volume-size", paramLabel = "SIZE", converter = VolumeSize.class,
            description = "VFAT images: the smallest volume size, in bytes or with K, M, G, T (binary); the volume "
                    + "grows when the content needs more. Default: 64M (Nova's size) for --format vfat, 0 (as small "
                    + "as the content allows) for a NoCloud seed.")
    Long volumeSize;

    @Option(names = "--timestamp", paramLabel = "EPOCH_SECONDS",
            description = "Time recorded in the image (dates, FAT volume serial), for reproducible images. Default: "
                    + "$SOURCE_DATE_EPOCH when set, else now.")
    Long timestamp;

    /**
     * What is wrong with the combination (empty when nothing): an image-only option with {@code --format tree}
     * ({@code --force}, {@code --timestamp} and the command's own {@code alsoImageOnly}), a NoCloud option with
     * another format, {@code --volume-size} for an ISO image.
     */
    List<String> misplaced(List<String> alsoImageOnly) {
        List<String> imageOnly = new ArrayList<>();
        if (force) {
            imageOnly.add("--force");
        }
        if (timestamp != null) {
            imageOnly.add("--timestamp");
        }
        imageOnly.addAll(alsoImageOnly);
        List<String> problems = new ArrayList<>();
        if (format == Format.tree) {
            for (String flag : imageOnly) {
                problems.add(flag + " applies to image files, not to --format tree");
            }
        }
        if (nocloudFilesystem != null && format != Format.nocloud) {
            problems.add("--nocloud-filesystem applies to --format nocloud only");
        }
        if (dropFiles && format != Format.nocloud) {
            problems.add("--drop-files applies to --format nocloud only (a config drive delivers the files)");
        }
        boolean vfatOutput = format == Format.vfat || format == Format.nocloud && seedFilesystem() == SeedFilesystem.vfat;
        if (volumeSize != null && !vfatOutput) {
            problems.add("--volume-size applies to VFAT images only (--format vfat, or nocloud with "
                    + "--nocloud-filesystem vfat); an ISO 9660 image is as large as its content");
        }
        return problems;
    }

    /** The drive these options describe; {@code environment} holds {@code SOURCE_DATE_EPOCH}. */
    DriveOutput output(Map<String, String> environment, MetadataOptions metadata) throws CommandFailure {
        Instant recordedAt = format == Format.tree ? null : BuildTime.resolve(timestamp, environment);
        return new DriveOutput(format, seedFilesystem(), dropFiles, volumeSize, recordedAt, metadata, force);
    }

    private SeedFilesystem seedFilesystem() {
        return nocloudFilesystem != null ? nocloudFilesystem : SeedFilesystem.iso9660;
    }
}
