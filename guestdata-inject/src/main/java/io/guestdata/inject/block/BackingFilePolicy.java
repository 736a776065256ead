package io.guestdata.inject.block;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Which backing files an image may name: none by default; with base image directories (Nova's
 * {@code _base}, where the operator keeps the images instance disks are overlays of), files
 * below one of them.
 *
 * <p>A backing file name is written by whoever made the image. QEMU opens it on the host, and a
 * write to the overlay copies the rest of the cluster from it (qcow2: 64 KiB by default) into the
 * overlay, so a name like {@code /etc/shadow}, another tenant's disk or the service's own store
 * would put host bytes into a tenant's image. So a name is admitted ({@link #admit}) only when
 * all of these hold:
 * <ul>
 *   <li>it is not a QEMU protocol or JSON name ({@code json:{…}}, {@code nbd:…}, {@code file:…}:
 *       a {@code :} before the first {@code /}, which QEMU's {@code path_has_protocol} takes as
 *       a protocol);</li>
 *   <li>a relative name is taken relative to the directory of the overlay's file name, as QEMU's
 *       {@code bdrv_get_full_backing_filename} does;</li>
 *   <li>neither the name nor its real path is under {@code /proc}, {@code /dev} or {@code /sys};</li>
 *   <li>the name, with {@code .} and {@code ..} removed, and its real path (every symbolic link
 *       followed) both lie below a base image directory (whose own real path counts);</li>
 *   <li>the real path is a regular file (not a device, FIFO or directory).</li>
 * </ul>
 * Each backing file is then inspected with the same rules as the image itself
 * ({@link ImageInspector}).
 *
 * @param baseImageDirs the base image directories, as configured (absolute, existing)
 */
public record BackingFilePolicy(List<Path> baseImageDirs) {
    /** Kernel pseudo-filesystems and device nodes: never a backing file, whatever the base directories. */
    static final List<Path> NEVER = List.of(Path.of("/proc"), Path.of("/dev"), Path.of("/sys"));

    public BackingFilePolicy {
        baseImageDirs = List.copyOf(baseImageDirs);
    }

    /** No backing files at all (the default). */
    public static BackingFilePolicy refuseAll() {
        return new BackingFilePolicy(List.of());
    }

    /**
     * Backing files below these directories.
     *
     * @param setting how the setting is called, for the message ({@code --base-image-dir},
     *     {@code inject-base-image-dirs})
     * @throws IllegalArgumentException naming the setting and the directory, when one is not an
     *     absolute path of an existing directory, or is {@code /} or lies under {@code /proc},
     *     {@code /dev} or {@code /sys}
     */
    public static BackingFilePolicy below(List<Path> dirs, String setting) {
        List<Path> checked = new ArrayList<>();
        for (Path d : dirs) {
            if (!d.isAbsolute() || !Files.isDirectory(d)) {
                throw new IllegalArgumentException(setting + " " + d + ": must be an absolute path of an existing"
                        + " directory");
            }
            Path real;
            try {
                real = d.toRealPath();
            } catch (IOException e) {
                throw new IllegalArgumentException(setting + " " + d + ": cannot be resolved: " + e.getMessage(), e);
            }
            if (real.getNameCount() == 0 || NEVER.stream().anyMatch(real::startsWith)) {
                throw new IllegalArgumentException(setting + " " + d + ": " + (real.getNameCount() == 0
                        ? "/ would let an image name any host file" : "is under /proc, /dev or /sys")
                        + "; name the directory that holds the base images");
            }
            checked.add(d);
        }
        return new BackingFilePolicy(checked);
    }

    /**
     * Refuses base image directories that are, or contain, a directory of tenant images: every
     * image there would be admitted as a backing file of every other, and one tenant's overlay
     * could read another tenant's disk.
     *
     * @throws IllegalArgumentException naming both settings and directories
     */
    public void requireApartFrom(List<Path> imageDirs, String imageSetting, String baseSetting) {
        for (Path base : baseImageDirs) {
            for (Path images : imageDirs) {
                try {
                    Path realBase = base.toRealPath();
                    Path realImages = images.toRealPath();
                    if (realImages.startsWith(realBase)) {
                        throw new IllegalArgumentException(baseSetting + " " + base + " is or contains the " + imageSetting
                                + " directory " + images + ": every image there could name another as its backing file;"
                                + " keep base images in a directory of their own");
                    }
                } catch (IOException e) {
                    throw new IllegalArgumentException(baseSetting + " " + base + " or " + imageSetting + " " + images
                            + " cannot be resolved: " + e.getMessage(), e);
                }
            }
        }
    }

    /** Whether {@code file} (a real path) lies below one of the base image directories. */
    public boolean holds(Path file) {
        try {
            return below(file.toRealPath(), realBaseDirs(file));
        } catch (IOException e) {
            return false;
        }
    }

    /** Whether any backing file may be admitted. */
    public boolean allowsAny() {
        return !baseImageDirs.isEmpty();
    }

    /**
     * The backing file {@code name} stored in {@code overlay} (whose file name, as QEMU would know
     * it, is {@code overlayName}), if this policy admits it: its real path. Nothing is opened.
     *
     * @param image the image being injected, which every message names first
     * @param where how the chain reaches {@code overlay}, for messages ("" for the image itself)
     * @param field where the header stores the name, for messages
     * @throws ImageFormatException naming the name exactly as stored and how to allow or flatten it
     */
    Path admit(Path image, String where, Path overlayName, String name, String field) throws ImageFormatException {
        String named = where + "names the backing file " + StoredFileName.quote(name) + " (" + field + ")";
        if (name.isEmpty()) {
            throw new ImageFormatException(image, named + ", which is empty; the header is corrupt");
        }
        int colon = name.indexOf(':');
        int slash = name.indexOf('/');
        if (colon >= 0 && (slash < 0 || colon < slash)) {
            throw new ImageFormatException(image, named + ", a QEMU protocol or JSON name (\"json:\", \"nbd:\", …)"
                    + " that could make QEMU open any file or server; such names are never followed" + flatten(image));
        }
        Path candidate;
        try {
            candidate = Path.of(name).isAbsolute() ? Path.of(name)
                    : parentOf(overlayName).resolve(name);
        } catch (InvalidPathException e) {
            throw new ImageFormatException(image, named + ", which is not a path: " + e.getMessage());
        }
        Path lexical = candidate.normalize();
        if (NEVER.stream().anyMatch(lexical::startsWith)) {
            throw new ImageFormatException(image, named + ", under /proc, /dev or /sys; such files are never opened"
                    + flatten(image));
        }
        if (!allowsAny()) {
            throw new ImageFormatException(image, named + "; backing files are refused unless they lie below a base"
                    + " image directory, so that an image cannot make guestdata read another host file: add the"
                    + " directory holding it with --base-image-dir (guestdata inject) or inject-base-image-dirs"
                    + " (guestdata serve)" + flatten(image));
        }
        List<Path> realDirs = realBaseDirs(image);
        if (!below(lexical, baseImageDirs) && !below(lexical, realDirs)) {
            throw new ImageFormatException(image, named + ", which is " + lexical + ", outside every base image"
                    + " directory (" + baseImageDirs + "): add its directory with --base-image-dir or"
                    + " inject-base-image-dirs if it is a base image" + flatten(image));
        }
        Path real;
        try {
            real = candidate.toRealPath();
        } catch (NoSuchFileException e) {
            throw new ImageFormatException(image, named + ", which does not exist");
        } catch (IOException e) {
            throw new ImageFormatException(image, named + ", which cannot be resolved: " + e.getMessage());
        }
        if (!below(real, realDirs) || NEVER.stream().anyMatch(real::startsWith)) {
            throw new ImageFormatException(image, named + ", which resolves (symbolic links followed) to a file"
                    + " outside every base image directory; it is never opened" + flatten(image));
        }
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(real, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException e) {
            throw new ImageFormatException(image, named + ", which cannot be read: " + e.getMessage());
        }
        if (!attributes.isRegularFile()) {
            throw new ImageFormatException(image, named + ", which is not a regular file (a device, FIFO or"
                    + " directory); it is never opened" + flatten(image));
        }
        return real;
    }

    /** How to get rid of the backing file instead. */
    static String flatten(Path image) {
        return "; or flatten the image into one without backing files: qemu-img convert -O qcow2 " + image
                + " <new image>";
    }

    private static Path parentOf(Path overlayName) {
        Path abs = overlayName.toAbsolutePath();
        return Objects.requireNonNullElse(abs.getParent(), abs.getRoot());
    }

    private List<Path> realBaseDirs(Path image) throws ImageFormatException {
        List<Path> out = new ArrayList<>();
        for (Path d : baseImageDirs) {
            try {
                out.add(d.toRealPath());
            } catch (IOException e) {
                throw new ImageFormatException(image, "base image directory " + d + " cannot be resolved: " + e);
            }
        }
        return out;
    }

    private static boolean below(Path p, List<Path> dirs) {
        return dirs.stream().anyMatch(d -> p.startsWith(d) && !p.equals(d));
    }
}
