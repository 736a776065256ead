package io.guestdata.server.api;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.ConfigDrive;
import io.guestdata.drive.DriveImage;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.libvirt.DiskCache;
import io.guestdata.drive.libvirt.LibvirtDomainXml;
import io.guestdata.drive.nocloud.NoCloudSeed;
import io.guestdata.drive.vfat.FatOptions;
import io.guestdata.store.StoredInstance;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;

/**
 * {@code GET|HEAD /instances/{uuid}/config-drive} and {@code GET /instances/{uuid}/libvirt-xml}: the image
 * {@code guestdata configdrive} writes, streamed straight to the response (the writers produce it in order, with
 * bounded memory, and know its exact size first), and the libvirt XML that attaches it.
 */
final class ConfigDriveEndpoint {
    /** 1980-01-01T00:00:00Z, FAT's first date: the earliest time every image format can record. */
    static final long EARLIEST = 315_532_800L;
    /** 2107-12-31T23:59:58Z, FAT's last. */
    static final long LATEST = 4_354_819_198L;

    enum Format { iso9660, vfat, nocloud }

    enum Filesystem { iso9660, vfat }

    private final MetadataOptions options;
    private final Clock clock;

    ConfigDriveEndpoint(MetadataOptions options, Clock clock) {
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    void send(ServerRequest req, ServerResponse res, StoredInstance stored) {
        Format format = format(req);
        Filesystem fs = nocloudFilesystem(req, format);
        boolean dropFiles = bool(req, "drop_files");
        if (dropFiles && format != Format.nocloud) {
            throw ApiError.badRequest("drop_files", "drop_files applies to format=nocloud only");
        }
        OptionalLong volumeSize = ApiRequest.longQuery(req, "volume_size", 0, FatOptions.MAX_SIZE_BYTES);
        boolean vfatOutput = format == Format.vfat || fs == Filesystem.vfat;
        if (volumeSize.isPresent() && !vfatOutput) {
            throw ApiError.badRequest("volume_size", "volume_size applies to VFAT images only (format=vfat, or "
                    + "nocloud with nocloud_filesystem=vfat)");
        }
        OptionalLong seconds = ApiRequest.longQuery(req, "timestamp", EARLIEST, LATEST);
        Instant recordedAt = seconds.isPresent() ? Instant.ofEpochSecond(seconds.getAsLong())
                : clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instance instance = stored.instance();
        MetadataTree tree = MetadataTree.build(instance, options);
        DriveImage image;
        String filename;
        try {
            switch (format) {
                case iso9660 -> {
                    image = DriveImage.iso9660(ConfigDrive.files(tree), ConfigDrive.LABEL, recordedAt);
                    filename = "disk.config";
                }
                case vfat -> {
                    image = DriveImage.vfat(ConfigDrive.files(tree), ConfigDrive.LABEL, recordedAt,
                            volumeSize.orElse(FatOptions.NOVA_SIZE_BYTES));
                    filename = "disk.config";
                }
                default -> {
                    if (!instance.files().isEmpty() && !dropFiles) {
                        throw new ApiError(409, "format_limit", "the instance has " + instance.files().size()
                                + " injected file(s); a NoCloud seed cannot deliver files. Ask with drop_files=true to "
                                + "leave them out, or download a config drive", "format", null, null);
                    }
                    List<ImageFile> files = NoCloudSeed.of(tree, dropFiles ? NoCloudSeed.InjectedFiles.DROP
                            : NoCloudSeed.InjectedFiles.REFUSE).files();
                    image = fs == Filesystem.vfat ? DriveImage.vfat(files, NoCloudSeed.LABEL, recordedAt, volumeSize.orElse(0))
                            : DriveImage.iso9660(files, NoCloudSeed.LABEL, recordedAt);
                    filename = fs == Filesystem.vfat ? "seed.img" : "seed.iso";
                }
            }
            long size = image.size();
            res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/octet-stream"));
            res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=" + filename);
            res.header(HeaderNames.CONTENT_LENGTH, Long.toString(size));
            res.header(HeaderNames.ETAG, "\"" + stored.version() + "\"");
            if (req.prologue().method() == Method.HEAD) {
                res.send();
                return;
            }
            try (OutputStream out = res.outputStream()) {
                image.writeTo(Channels.newChannel(out));
            }
        } catch (ImageException e) {
            throw new ApiError(409, "format_limit", "the instance cannot be written as " + format + ": "
                    + e.getMessage(), "format", null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void sendLibvirtXml(ServerRequest req, ServerResponse res, StoredInstance stored) {
        Format format = format(req);
        Filesystem fs = nocloudFilesystem(req, format);
        LibvirtDomainXml.MachineType machine = ApiRequest.query(req, "machine_type").map(m -> {
            try {
                return LibvirtDomainXml.MachineType.valueOf(m);
            } catch (IllegalArgumentException e) {
                throw ApiError.badRequest("machine_type", "machine_type=" + m + ": use pc or q35");
            }
        }).orElse(LibvirtDomainXml.MachineType.pc);
        String diskPath = ApiRequest.query(req, "disk_path").orElseThrow(() -> ApiError.badRequest("disk_path",
                "disk_path (the image's path on the hypervisor host) is required"));
        if (diskPath.isEmpty() || !diskPath.startsWith("/") || !LibvirtDomainXml.isXmlText(diskPath)) {
            throw ApiError.badRequest("disk_path", "disk_path must be an absolute path that XML can hold");
        }
        String targetDev = ApiRequest.query(req, "target_dev").orElse(null);
        if (targetDev != null && (targetDev.isEmpty() || !LibvirtDomainXml.isXmlText(targetDev))) {
            throw ApiError.badRequest("target_dev", "target_dev must be non-empty text that XML can hold");
        }
        String cache = ApiRequest.query(req, "disk_cache").orElse(DiskCache.NONE);
        if (!DiskCache.LIBVIRT_MODES.contains(cache)) {
            throw ApiError.badRequest("disk_cache", "disk_cache=" + cache + ": not a libvirt cache mode ("
                    + String.join(", ", DiskCache.LIBVIRT_MODES) + ")");
        }
        boolean cdrom = format == Format.iso9660 || format == Format.nocloud && fs == Filesystem.iso9660;
        Optional<UUID> smbios = format == Format.nocloud ? Optional.empty() : Optional.of(stored.uuid());
        String xml = LibvirtDomainXml.of(cdrom, machine, targetDev, diskPath, cache, smbios).render();
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/xml; charset=UTF-8"));
        res.send(xml.getBytes(StandardCharsets.UTF_8));
    }

    private static Format format(ServerRequest req) {
        String f = ApiRequest.query(req, "format").orElse("iso9660");
        try {
            return Format.valueOf(f.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("format", "format=" + f + ": use iso9660, vfat or nocloud");
        }
    }

    private static Filesystem nocloudFilesystem(ServerRequest req, Format format) {
        Optional<String> v = ApiRequest.query(req, "nocloud_filesystem");
        if (v.isEmpty()) {
            return format == Format.nocloud ? Filesystem.iso9660 : null;
        }
        if (format != Format.nocloud) {
            throw ApiError.badRequest("nocloud_filesystem", "nocloud_filesystem applies to format=nocloud only");
        }
        try {
            return Filesystem.valueOf(v.get());
        } catch (IllegalArgumentException e) {
            throw ApiError.badRequest("nocloud_filesystem", "nocloud_filesystem=" + v.get() + ": use iso9660 or vfat");
        }
    }

    private static boolean bool(ServerRequest req, String name) {
        Optional<String> v = ApiRequest.query(req, name);
        if (v.isEmpty()) {
            return false;
        }
        return switch (v.get()) {
            case "true", "1" -> true;
            case "false", "0" -> false;
            default -> throw ApiError.badRequest(name, name + "=" + v.get() + ": use true or false");
        };
    }

}
