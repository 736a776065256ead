package io.guestdata.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.inject.BackendUnavailableException;
import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.DiskTargetKind;
import io.guestdata.inject.DiskTargetSyntaxException;
import io.guestdata.inject.FilesystemBackends;
import io.guestdata.inject.InjectionItem;
import io.guestdata.inject.InjectionOptions;
import io.guestdata.inject.InjectionReport;
import io.guestdata.inject.InjectionReportJson;
import io.guestdata.inject.InjectionRequest;
import io.guestdata.inject.PasswordHash;
import io.guestdata.inject.block.BackingFilePolicy;
import io.guestdata.inject.block.ImageFormat;
import io.guestdata.inject.block.ImageFormatException;
import io.guestdata.inject.block.ImageInUseException;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.rbd.CephConnectException;
import io.guestdata.inject.rbd.RbdNotFoundException;
import io.guestdata.inject.rbd.RbdTarget;
import io.guestdata.store.StoredInstance;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/**
 * {@code POST /instances/{uuid}/inject}: {@link DiskInjector#inject} on an image of the service host, which must
 * lie under one of the configured {@code inject.allowed_dirs} (after resolving symbolic links), so the API cannot
 * be used to write arbitrary host files. No allowed directory: the endpoint answers 403.
 *
 * <p>The image's backing files are refused unless they lie below one of {@code inject-base-image-dirs}
 * ({@link BackingFilePolicy}): a tenant's image must not make the service read another tenant's disk or its own
 * store. A base image directory may not be or contain an allowed directory, and an image below a base image
 * directory is not injected (base images are shared by every overlay on them).
 *
 * <p>An {@code rbd:POOL/IMAGE} (or {@code rbd:POOL/NAMESPACE/IMAGE}) image is injected through librbd when its pool
 * is in {@code inject-allowed-pools} ({@link RbdInjectSettings}), as the service's own Ceph client: a request that
 * gives any {@code :option} is refused (400), so no request makes the service read a host file as a ceph.conf or a
 * keyring. The statuses are the file's: outside the allow-list 403, no such pool or image 404, in use 409; the
 * cluster unreachable or refusing the service's key 503, as a backend that cannot run.
 *
 * <p>{@code nbd://}, {@code nbd+unix://} and {@code iscsi://} images, which the CLI injects, are refused here (400): a
 * request would choose which server or socket the service connects to, and there is no allow-list for that yet.
 */
final class InjectEndpoint {
    static final Set<String> FIELDS = new LinkedHashSet<>(List.of("image", "image_format", "partition", "backend",
            "only", "dry_run", "best_effort", "password_hash"));

    private final DiskInjector injector;
    private final List<Path> allowed;
    private final BackingFilePolicy backingFiles;
    private final Path undoDir;
    private final Optional<RbdInjectSettings> rbd;

    InjectEndpoint(DiskInjector injector, List<Path> allowedDirs, List<Path> baseImageDirs, Path undoDir,
                   Optional<RbdInjectSettings> rbd) {
        this.undoDir = undoDir;
        this.rbd = rbd.filter(r -> !r.allowedPools().isEmpty());
        List<Path> dirs = new ArrayList<>();
        for (Path d : allowedDirs) {
            if (!d.isAbsolute()) {
                throw new IllegalArgumentException("inject.allowed_dirs: " + d + " is not an absolute path");
            }
            try {
                dirs.add(d.toRealPath());
            } catch (IOException e) {
                throw new IllegalArgumentException("inject.allowed_dirs: " + d + " cannot be resolved: " + e, e);
            }
        }
        this.allowed = List.copyOf(dirs);
        this.backingFiles = baseImageDirs.isEmpty() ? BackingFilePolicy.refuseAll()
                : BackingFilePolicy.below(baseImageDirs, "inject-base-image-dirs");
        backingFiles.requireApartFrom(allowed, "inject-allowed-dirs", "inject-base-image-dirs");
        this.injector = disabled() ? null : injector != null ? injector : new DiskInjector();
    }

    private boolean disabled() {
        return allowed.isEmpty() && rbd.isEmpty();
    }

    void handle(ServerRequest req, ServerResponse res, Supplier<StoredInstance> instance) {
        if (disabled()) {
            throw new ApiError(403, "inject_disabled", "disk injection is disabled: no inject.allowed_dirs "
                    + "(and no inject-allowed-pools) are configured");
        }
        ObjectNode body = ApiRequest.objectBody(req, FIELDS);
        String imageText = ApiRequest.text(body, "image", true);
        InjectionOptions options = options(body).withBackingFiles(backingFiles).withUndoDirectory(undoDir);
        boolean isRbd = kind(imageText) == DiskTargetKind.RBD;
        RbdTarget target = isRbd ? RbdInjectSettings.allowedTarget(rbd, "image", imageText) : null;
        Path image = isRbd ? null : allowedImage(imageText);
        StoredInstance stored = instance.get();
        InjectionReport report;
        try {
            report = isRbd ? injector.inject(target, rbd.orElseThrow().settings(), stored.instance(), options)
                    : injector.inject(image, stored.instance(), options);
        } catch (CephConnectException e) {
            throw new ApiError(503, "ceph_unavailable", e.getMessage() + "; nothing was written");
        } catch (RbdNotFoundException e) {
            throw new ApiError(404, "image_not_found", e.getMessage() + "; nothing was written", "/image", null, null);
        } catch (BackendUnavailableException e) {
            throw new ApiError(503, "backend_unavailable", e.getMessage() + "; nothing was written");
        } catch (ImageInUseException e) {
            throw new ApiError(409, "image_in_use", e.getMessage() + "; nothing was written");
        } catch (ImageFormatException e) {
            throw new ApiError(409, "image_format_refused", e.getMessage() + "; nothing was written");
        } catch (GuestFsException e) {
            throw new ApiError(409, "image_unusable", e.getMessage() + "; nothing was written");
        } catch (IOException e) {
            throw new ApiError(409, "image_unusable", e.getMessage() + "; nothing was written");
        }
        ObjectNode json = InjectionReportJson.toJson(report, OptionalInt.empty());
        int status = status(report.outcome());
        if (status != 200) {
            ObjectNode error = json.putObject("error");
            error.put("code", "injection_" + InjectionReportJson.outcomeLabel(report.outcome()));
            error.put("message", switch (report.outcome()) {
                case REFUSED -> "a check refused the injection before the first write: nothing was written";
                case PARTIAL -> "some items were written, some refused or failed (best_effort); see entries";
                default -> "a write failed; the entries say which were written";
            });
        }
        res.status(Status.create(status));
        ManagementApi.sendJson(res, json);
    }

    /** done, planned, nothing_to_do: 200; refused: 409 (nothing written); partial: 409; failed: 500. */
    static int status(InjectionReport.Outcome outcome) {
        return switch (outcome) {
            case DONE, PLANNED, NOTHING_TO_DO -> 200;
            case REFUSED, PARTIAL -> 409;
            case FAILED -> 500;
        };
    }

    /**
     * Which kind of disk {@code text} names ({@link DiskTargetKind}, as for the CLI's {@code --image}). The network
     * disks QEMU opens (nbd://, iscsi://) are refused (400): which servers and sockets a request may make the service
     * connect to would need an allow-list of their own, which there is not yet.
     */
    static DiskTargetKind kind(String text) {
        DiskTargetKind kind;
        try {
            kind = DiskTargetKind.of(text);
        } catch (DiskTargetSyntaxException e) {
            throw new ApiError(400, "invalid_field", e.getMessage(), "/image", null, null);
        }
        if (kind.qemuNetwork()) {
            throw new ApiError(400, "invalid_field", "image: nbd:// and iscsi:// disks are not injected through the"
                    + " management API (no allow-list of network servers yet); inject them with 'guestdata inject"
                    + " --image URI' on a host that may reach them", "/image", null, null);
        }
        return kind;
    }

    /**
     * The image path, if it is allowed: absolute, and both its normalised form and its real path (symbolic links
     * resolved) under an allowed directory; a regular file. A path outside is 403 whether or not it exists, so the
     * endpoint tells nothing about other host files.
     */
    Path allowedImage(String text) {
        Path p;
        try {
            p = Path.of(text);
        } catch (InvalidPathException e) {
            throw ApiError.badRequest("/image", "image: not a path: " + e.getMessage());
        }
        if (!p.isAbsolute()) {
            throw new ApiError(400, "invalid_field", "image must be an absolute path on the service host", "/image",
                    null, null);
        }
        Path normal = p.normalize();
        if (!under(normal)) {
            throw notAllowed(text);
        }
        Path real;
        try {
            real = normal.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ApiError(404, "image_not_found", "image " + text + " does not exist", "/image", null, null);
        } catch (IOException e) {
            throw new ApiError(409, "image_unusable", "image " + text + ": " + e.getMessage(), "/image", null, null);
        }
        if (!under(real)) {
            throw notAllowed(text);
        }
        if (backingFiles.holds(real)) {
            throw new ApiError(403, "image_not_allowed", "image " + text + " lies below a base image directory "
                    + "(inject-base-image-dirs): base images are shared by the overlays on them and are not injected",
                    "/image", null, null);
        }
        if (!Files.isRegularFile(real, LinkOption.NOFOLLOW_LINKS)) {
            throw new ApiError(400, "invalid_field", "image " + text + " is not a regular file", "/image", null, null);
        }
        return real;
    }

    private boolean under(Path p) {
        for (Path dir : allowed) {
            if (p.startsWith(dir) && !p.equals(dir)) {
                return true;
            }
        }
        return false;
    }

    private static ApiError notAllowed(String text) {
        return new ApiError(403, "image_not_allowed", "image " + text + " is not under an allowed directory "
                + "(inject.allowed_dirs)", "/image", null, null);
    }

    private static InjectionOptions options(ObjectNode body) {
        ApiParameters params = ApiParameters.body(body);
        try {
            Optional<ImageFormat> format = ImageFormat.fromOption(
                    Optional.ofNullable(ApiRequest.text(body, "image_format", false)).orElse("auto"));
            int partition = -1;
            JsonNode p = body.get("partition");
            if (p != null && !p.isNull()) {
                if (!p.isInt() || p.intValue() < -2) {
                    throw new ApiError(400, "invalid_field", "partition must be -2 (off), -1 (find the OS root), 0 "
                            + "(whole disk) or a partition number", "/partition", null, null);
                }
                partition = p.intValue();
            }
            FilesystemBackends.Choice backend = FilesystemBackends.Choice.ofLabel(
                    Optional.ofNullable(ApiRequest.text(body, "backend", false)).orElse("auto"));
            Set<InjectionItem> items = EnumSet.allOf(InjectionItem.class);
            JsonNode only = body.get("only");
            boolean explicit = false;
            if (only != null && !only.isNull()) {
                if (!only.isArray()) {
                    throw new ApiError(400, "invalid_field", "only must be an array of " + InjectionItem.labels(),
                            "/only", null, null);
                }
                if (!only.isEmpty()) {
                    explicit = true;
                    items = EnumSet.noneOf(InjectionItem.class);
                    for (int i = 0; i < only.size(); i++) {
                        JsonNode item = only.get(i);
                        if (!item.isTextual()) {
                            throw new ApiError(400, "invalid_field", "only[" + i + "] must be one of "
                                    + InjectionItem.labels(), "/only/" + i, null, null);
                        }
                        items.add(InjectionItem.ofLabel(item.textValue()));
                    }
                }
            }
            PasswordHash hash = PasswordHash.ofLabel(
                    Optional.ofNullable(ApiRequest.text(body, "password_hash", false)).orElse("sha512"));
            return InjectionOptions.defaults().withImageFormat(format).withPartition(partition).withBackend(backend)
                    .withRequest(new InjectionRequest(items, explicit, hash, false))
                    .withDryRun(params.flag("dry_run")).withBestEffort(params.flag("best_effort"));
        } catch (IllegalArgumentException e) {
            throw new ApiError(400, "invalid_field", e.getMessage(), null, null, null);
        }
    }
}
