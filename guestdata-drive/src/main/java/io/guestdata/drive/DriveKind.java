package io.guestdata.drive;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.nocloud.NoCloudSeed;
import io.guestdata.drive.vfat.FatOptions;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;

/**
 * Which image a drive is: the one place that decides, for {@code guestdata configdrive}, {@code batch} and the
 * management API alike, which files and which writer make it, whether a hypervisor attaches it as a cdrom or a
 * disk, whether the guest gets Nova's SMBIOS with it, and its download name (nova-compat.md §1.8: Nova attaches an
 * ISO 9660 config drive as a cdrom and a VFAT one as a disk; cloud-init's OpenStack and ConfigDrive datasources look
 * for Nova's SMBIOS, a NoCloud seed is for platforms that are not Nova).
 *
 * @param format         the kind of image
 * @param seedFilesystem the file system of a NoCloud seed; {@link SeedFilesystem#iso9660} (cloud-localds's) for the
 *                       other formats, where it means nothing
 */
public record DriveKind(Format format, SeedFilesystem seedFilesystem) {
    /** The images a drive can be. */
    public enum Format { iso9660, vfat, nocloud }

    /** The file system of a NoCloud seed. */
    public enum SeedFilesystem { iso9660, vfat }

    public DriveKind {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(seedFilesystem, "seedFilesystem");
        if (format != Format.nocloud) {
            seedFilesystem = SeedFilesystem.iso9660;
        }
    }

    /** A config drive ({@code iso9660} or {@code vfat}). */
    public static DriveKind configDrive(Format format) {
        return new DriveKind(format, SeedFilesystem.iso9660);
    }

    /** Whether the image is a FAT file system (whose volume size can be chosen) rather than ISO 9660. */
    public boolean vfat() {
        return format == Format.vfat || format == Format.nocloud && seedFilesystem == SeedFilesystem.vfat;
    }

    /** Whether a hypervisor attaches the image as a cdrom (ISO 9660) rather than a disk. */
    public boolean cdrom() {
        return !vfat();
    }

    /** Nova's SMBIOS for {@code instance} goes with a config drive, not with a NoCloud seed. */
    public Optional<UUID> smbios(UUID instance) {
        return format == Format.nocloud ? Optional.empty() : Optional.of(instance);
    }

    /** The name a download of the image gets: Nova's {@code disk.config}, cloud-localds's {@code seed.iso|img}. */
    public String filename() {
        return format != Format.nocloud ? "disk.config" : vfat() ? "seed.img" : "seed.iso";
    }

    /** What the image is, for people: "ISO 9660 config drive", "NoCloud seed (vfat)". */
    public String description() {
        return switch (format) {
            case iso9660 -> "ISO 9660 config drive";
            case vfat -> "VFAT config drive";
            case nocloud -> "NoCloud seed (" + seedFilesystem + ")";
        };
    }

    /**
     * The instance's injected files this kind of drive cannot deliver (a NoCloud seed has none; empty for a config
     * drive). The caller refuses the instance, or leaves them out when asked to.
     */
    public List<String> undeliverableFiles(Instance instance) {
        return format == Format.nocloud ? instance.files().stream().map(f -> f.path()).toList() : List.of();
    }

    /**
     * The image of {@code tree}'s instance, laid out lazily (its size is known when asked; the writers check every
     * file against the format then).
     *
     * @param recordedAt  the time the image records
     * @param volumeSize  FAT images: the smallest volume size in bytes; empty for the format's default (Nova's 64 MiB
     *                    for a VFAT config drive, as small as the content allows for a seed)
     * @param dropFiles   NoCloud: leave injected files out instead of refusing the instance
     * @throws ImageException a NoCloud seed of an instance with files not dropped, or data the seed cannot carry
     */
    public Made image(MetadataTree tree, Instant recordedAt, Optional<Long> volumeSize, boolean dropFiles)
            throws ImageException {
        Objects.requireNonNull(recordedAt, "recordedAt");
        return switch (format) {
            case iso9660 -> made(ConfigDrive.files(tree), List.of(), ConfigDrive.LABEL, recordedAt,
                    volumeSize.orElse(FatOptions.NOVA_SIZE_BYTES));
            case vfat -> made(ConfigDrive.files(tree), List.of(), ConfigDrive.LABEL, recordedAt,
                    volumeSize.orElse(FatOptions.NOVA_SIZE_BYTES));
            case nocloud -> {
                NoCloudSeed seed = NoCloudSeed.of(tree, dropFiles ? NoCloudSeed.InjectedFiles.DROP
                        : NoCloudSeed.InjectedFiles.REFUSE);
                yield made(seed.files(), seed.omitted(), NoCloudSeed.LABEL, recordedAt, volumeSize.orElse(0L));
            }
        };
    }

    private Made made(List<ImageFile> files, List<String> omitted, String label, Instant recordedAt, long minimum) {
        DriveImage image = vfat() ? DriveImage.vfat(files, label, recordedAt, minimum)
                : DriveImage.iso9660(files, label, recordedAt);
        return new Made(image, files.size(), omitted);
    }

    /**
     * A drive image about to be written.
     *
     * @param image   the image (size and bytes)
     * @param files   how many files it holds
     * @param omitted NoCloud: one line per kind of instance data the seed does not carry
     */
    public record Made(DriveImage image, int files, List<String> omitted) {
        public Made {
            Objects.requireNonNull(image, "image");
            omitted = List.copyOf(omitted);
        }
    }
}
