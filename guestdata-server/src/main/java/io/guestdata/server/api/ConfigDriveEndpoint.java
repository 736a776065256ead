package io.guestdata.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.DriveImage;
import io.guestdata.drive.DriveKind;
import io.guestdata.drive.DriveKind.Format;
import io.guestdata.drive.DriveKind.SeedFilesystem;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.libvirt.DiskCache;
import io.guestdata.drive.libvirt.LibvirtDomainXml;
import io.guestdata.drive.vfat.FatOptions;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.rbd.CephConnectException;
import io.guestdata.inject.rbd.RbdImageExistsException;
import io.guestdata.inject.rbd.RbdImport;
import io.guestdata.inject.rbd.RbdNotFoundException;
import io.guestdata.inject.rbd.RbdPoolFullException;
import io.guestdata.inject.rbd.RbdTarget;
import io.guestdata.store.StoredInstance;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code GET|HEAD /instances/{uuid}/config-drive} and {@code GET /instances/{uuid}/libvirt-xml}: the image
 * {@code guestdata configdrive} writes, streamed straight to the response (the writers produce it in order, with
 * bounded memory, and know its exact size first), and the libvirt XML that attaches it.
 *
 * <p>{@code POST /instances/{uuid}/config-drive} writes the same image into RBD ({@link RbdImport}, as
 * {@code guestdata configdrive --output rbd:…} does): {@code output} is {@code rbd:POOL/IMAGE} (or
 * {@code rbd:POOL/NAMESPACE/IMAGE}) in a pool of {@code inject-allowed-pools}, written as the service's own Ceph
 * client ({@link RbdInjectSettings}, the inject endpoint's rules and statuses); the drive options are the
 * {@code GET}'s, as JSON members ({@link ApiParameters}). Statuses: 201 written; 400 a malformed target or one
 * with connection options; 403 a pool outside the allow-list; 404 no such pool; 409 the image exists (without
 * {@code force}) or is open; 503 the cluster unreachable or failing; 507 the pool's quota reached. Nothing is
 * written on any error, no temporary image left.
 */
final class ConfigDriveEndpoint {
    /** 1980-01-01T00:00:00Z, FAT's first date: the earliest time every image format can record. */
    static final long EARLIEST = 315_532_800L;
    /** 2107-12-31T23:59:58Z, FAT's last. */
    static final long LATEST = 4_354_819_198L;
    /** The members of a {@code POST} body: the target, the drive's options (the {@code GET}'s), the libvirt XML's. */
    static final Set<String> WRITE_FIELDS = new LinkedHashSet<>(List.of("output", "force", "format",
            "nocloud_filesystem", "drop_files", "volume_size", "timestamp", "libvirt_xml", "rbd_secret_uuid",
            "machine_type", "target_dev", "disk_cache"));

    /** The drive a request asks for: the options of the {@code GET} (query) and the {@code POST} (body). */
    record DriveOptions(DriveKind kind, boolean dropFiles, OptionalLong volumeSize, OptionalLong timestamp,
                        String formatField) {
    }

    /** An image drive about to be written, and its download name. */
    private record Drive(DriveImage image, long size, String filename) {
    }

    /** The options of the libvirt XML's {@code <disk>}; the cache mode empty for the target's default. */
    private record DiskOptions(LibvirtDomainXml.MachineType machine, String targetDev, Optional<String> cache) {
    }

    private final MetadataOptions options;
    private final Clock clock;
    private final Optional<RbdInjectSettings> rbd;

    ConfigDriveEndpoint(MetadataOptions options, Clock clock, Optional<RbdInjectSettings> rbd) {
        this.options = Objects.requireNonNull(options, "options");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.rbd = rbd.filter(r -> !r.allowedPools().isEmpty());
    }

    void send(ServerRequest req, ServerResponse res, StoredInstance stored) {
        DriveOptions asked = driveOptions(ApiParameters.query(req));
        Drive drive = drive(asked, stored);
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/octet-stream"));
        res.header(HeaderNames.CONTENT_DISPOSITION, "attachment; filename=" + drive.filename());
        res.header(HeaderNames.CONTENT_LENGTH, Long.toString(drive.size()));
        res.header(HeaderNames.ETAG, "\"" + stored.version() + "\"");
        if (req.prologue().method() == Method.HEAD) {
            res.send();
            return;
        }
        try (OutputStream out = res.outputStream()) {
            drive.image().writeTo(Channels.newChannel(out));
        } catch (ImageException e) {
            throw formatLimit(asked, e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code POST}: the drive into RBD; see the class comment. */
    void write(ServerRequest req, ServerResponse res, Supplier<StoredInstance> instance) {
        ObjectNode body = ApiRequest.objectBody(req, WRITE_FIELDS);
        String output = ApiRequest.text(body, "output", true);
        ApiParameters params = ApiParameters.body(body);
        DriveOptions asked = driveOptions(params);
        boolean force = params.flag("force");
        boolean libvirtXml = params.flag("libvirt_xml");
        DiskOptions disk = diskOptions(params);
        Optional<UUID> secret = params.text("rbd_secret_uuid").map(u -> {
            try {
                return UUID.fromString(u);
            } catch (IllegalArgumentException e) {
                throw params.invalid("rbd_secret_uuid", "rbd_secret_uuid=" + u + ": not a UUID");
            }
        });
        for (String xmlOnly : List.of("rbd_secret_uuid", "machine_type", "target_dev", "disk_cache")) {
            if (!libvirtXml && params.text(xmlOnly).isPresent()) {
                throw params.invalid(xmlOnly, xmlOnly + " applies to libvirt_xml only");
            }
        }
        if (libvirtXml && secret.isEmpty()) {
            throw params.invalid("rbd_secret_uuid", "libvirt_xml needs rbd_secret_uuid (the libvirt secret holding "
                    + "the Ceph user's key, Nova's [libvirt] rbd_secret_uuid)");
        }
        if (!RbdTarget.isRbd(output)) {
            throw params.invalid("output", "output must be rbd:POOL/IMAGE or rbd:POOL/NAMESPACE/IMAGE (GET "
                    + "downloads the image instead)");
        }
        RbdTarget target = RbdInjectSettings.allowedTarget(rbd, "output", output);
        StoredInstance stored = instance.get();
        Drive drive = drive(asked, stored);
        RbdImport.Imported imported;
        String nothing = "; nothing was written";
        try {
            imported = RbdImport.write(target, drive.size(), drive.image()::writeTo, force, rbd.orElseThrow().settings());
        } catch (RbdImageExistsException e) {
            throw new ApiError(409, "image_exists", e.getMessage() + (e.appearedMeanwhile() ? "" : " (force: true)")
                    + nothing, "/output", null, null);
        } catch (ImageInUseException e) {
            throw new ApiError(409, "image_in_use", e.getMessage() + "; the existing image is kept" + nothing,
                    "/output", null, null);
        } catch (RbdNotFoundException e) {
            throw new ApiError(404, "pool_not_found", e.getMessage() + nothing, "/output", null, null);
        } catch (RbdPoolFullException e) {
            throw new ApiError(507, "pool_full", e.getMessage() + nothing, "/output", null, null);
        } catch (CephConnectException e) {
            throw new ApiError(503, "ceph_unavailable", e.getMessage() + nothing);
        } catch (ImageException e) {
            throw formatLimit(asked, e);
        } catch (IOException e) {
            throw new ApiError(503, "ceph_failed", e.getMessage() + nothing);
        }
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        json.put("output", "rbd:" + target.spec());
        json.put("pool", target.pool());
        if (!target.namespace().isEmpty()) {
            json.put("namespace", target.namespace());
        }
        json.put("image", target.image());
        json.put("size", imported.size());
        json.put("format", asked.kind().format().name());
        if (asked.kind().format() == Format.nocloud) {
            json.put("nocloud_filesystem", asked.kind().seedFilesystem().name());
        }
        json.put("version", stored.version());
        if (libvirtXml) {
            LibvirtDomainXml.Source source = new LibvirtDomainXml.Source.Rbd(target.spec(), imported.monitors()
                    .stream().map(m -> new LibvirtDomainXml.Source.Monitor(m.host(), m.port())).toList(),
                    Optional.of(target.user().orElse("admin")), secret);
            json.put("libvirt_xml", domainXml(asked, disk, source, disk.cache().orElse(DiskCache.RBD), stored)
                    .render());
        }
        res.status(Status.CREATED_201);
        res.header(HeaderNames.ETAG, "\"" + stored.version() + "\"");
        ManagementApi.sendJson(res, json);
    }

    void sendLibvirtXml(ServerRequest req, ServerResponse res, StoredInstance stored) {
        ApiParameters params = ApiParameters.query(req);
        Format format = format(params);
        // the XML depends on the kind of drive only, not on its contents' options
        DriveOptions asked = new DriveOptions(new DriveKind(format, nocloudFilesystem(params, format)), false,
                OptionalLong.empty(), OptionalLong.empty(), params.field("format"));
        DiskOptions disk = diskOptions(params);
        String diskPath = params.text("disk_path").orElseThrow(() -> params.invalid("disk_path",
                "disk_path (the image's path on the hypervisor host) is required"));
        if (diskPath.isEmpty() || !diskPath.startsWith("/") || !LibvirtDomainXml.isXmlText(diskPath)) {
            throw params.invalid("disk_path", "disk_path must be an absolute path that XML can hold");
        }
        String xml = domainXml(asked, disk, new LibvirtDomainXml.Source.File(diskPath),
                disk.cache().orElse(DiskCache.NONE), stored).render();
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "application/xml; charset=UTF-8"));
        res.send(xml.getBytes(StandardCharsets.UTF_8));
    }

    private static LibvirtDomainXml domainXml(DriveOptions asked, DiskOptions disk, LibvirtDomainXml.Source source,
                                              String cache, StoredInstance stored) {
        return LibvirtDomainXml.of(asked.kind().cdrom(), disk.machine(), disk.targetDev(), source, cache,
                asked.kind().smbios(stored.uuid()));
    }

    /** The drive's options, checked against each other: what only one format takes is refused for the others. */
    static DriveOptions driveOptions(ApiParameters params) {
        Format format = format(params);
        DriveKind kind = new DriveKind(format, nocloudFilesystem(params, format));
        boolean dropFiles = params.flag("drop_files");
        if (dropFiles && format != Format.nocloud) {
            throw params.invalid("drop_files", "drop_files applies to format=nocloud only");
        }
        OptionalLong volumeSize = params.number("volume_size", 0, FatOptions.MAX_SIZE_BYTES);
        if (volumeSize.isPresent() && !kind.vfat()) {
            throw params.invalid("volume_size", "volume_size applies to VFAT images only (format=vfat, or "
                    + "nocloud with nocloud_filesystem=vfat)");
        }
        OptionalLong timestamp = params.number("timestamp", EARLIEST, LATEST);
        return new DriveOptions(kind, dropFiles, volumeSize, timestamp, params.field("format"));
    }

    /** The image of the drive {@code asked} for, laid out (its size known, every file checked against the format). */
    private Drive drive(DriveOptions asked, StoredInstance stored) {
        Instant recordedAt = asked.timestamp().isPresent() ? Instant.ofEpochSecond(asked.timestamp().getAsLong())
                : clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Instance instance = stored.instance();
        List<String> undeliverable = asked.kind().undeliverableFiles(instance);
        if (!undeliverable.isEmpty() && !asked.dropFiles()) {
            throw new ApiError(409, "format_limit", "the instance has " + undeliverable.size()
                    + " injected file(s); a NoCloud seed cannot deliver files. Ask with drop_files=true to "
                    + "leave them out, or download a config drive", asked.formatField(), null, null);
        }
        try {
            DriveImage image = asked.kind().image(MetadataTree.build(instance, options), recordedAt,
                    asked.volumeSize().isPresent() ? Optional.of(asked.volumeSize().getAsLong()) : Optional.empty(),
                    asked.dropFiles()).image();
            return new Drive(image, image.size(), asked.kind().filename());
        } catch (ImageException e) {
            throw formatLimit(asked, e);
        }
    }

    private static ApiError formatLimit(DriveOptions asked, ImageException e) {
        return new ApiError(409, "format_limit", "the instance cannot be written as " + asked.kind().format() + ": "
                + e.getMessage(), asked.formatField(), null, null);
    }

    private static DiskOptions diskOptions(ApiParameters params) {
        LibvirtDomainXml.MachineType machine = params.text("machine_type").map(m -> {
            try {
                return LibvirtDomainXml.MachineType.valueOf(m);
            } catch (IllegalArgumentException e) {
                throw params.invalid("machine_type", "machine_type=" + m + ": use pc or q35");
            }
        }).orElse(LibvirtDomainXml.MachineType.pc);
        String targetDev = params.text("target_dev").orElse(null);
        if (targetDev != null && (targetDev.isEmpty() || !LibvirtDomainXml.isXmlText(targetDev))) {
            throw params.invalid("target_dev", "target_dev must be non-empty text that XML can hold");
        }
        Optional<String> cache = params.text("disk_cache");
        if (cache.isPresent() && !DiskCache.LIBVIRT_MODES.contains(cache.get())) {
            throw params.invalid("disk_cache", "disk_cache=" + cache.get() + ": not a libvirt cache mode ("
                    + String.join(", ", DiskCache.LIBVIRT_MODES) + ")");
        }
        return new DiskOptions(machine, targetDev, cache);
    }

    private static Format format(ApiParameters params) {
        String f = params.text("format").orElse("iso9660");
        try {
            return Format.valueOf(f.toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw params.invalid("format", "format=" + f + ": use iso9660, vfat or nocloud");
        }
    }

    private static SeedFilesystem nocloudFilesystem(ApiParameters params, Format format) {
        Optional<String> v = params.text("nocloud_filesystem");
        if (v.isEmpty()) {
            return SeedFilesystem.iso9660;
        }
        if (format != Format.nocloud) {
            throw params.invalid("nocloud_filesystem", "nocloud_filesystem applies to format=nocloud only");
        }
        try {
            return SeedFilesystem.valueOf(v.get());
        } catch (IllegalArgumentException e) {
            throw params.invalid("nocloud_filesystem", "nocloud_filesystem=" + v.get() + ": use iso9660 or vfat");
        }
    }
}
