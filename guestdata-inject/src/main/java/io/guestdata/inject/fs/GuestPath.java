package io.guestdata.inject.fs;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A normalised absolute path inside a guest filesystem, as a list of names.
 *
 * <p>{@link #of(String)} accepts only absolute paths; it drops empty and {@code .} components and
 * resolves {@code ..} lexically, clamped at the root ({@code /../etc} is {@code /etc}), so a
 * GuestPath can never name anything above the guest root. Symlinks are a matter for the
 * filesystem's resolution, not for this value. Names are at most 255 bytes in UTF-8 (NAME_MAX) and
 * the whole path at most 4095 (PATH_MAX less the NUL); NUL is refused anywhere.
 *
 * @param names the components below the root, none empty, {@code .} or {@code ..}, none containing
 *              {@code /} or NUL; empty for the root itself
 */
public record GuestPath(List<String> names) {

    static final int NAME_MAX = 255;
    static final int PATH_MAX = 4095;

    public static final GuestPath ROOT = new GuestPath(List.of());

    public GuestPath {
        names = List.copyOf(names);
        int total = 0;
        for (String name : names) {
            checkName(name);
            total += 1 + name.getBytes(StandardCharsets.UTF_8).length;
        }
        if (total > PATH_MAX) {
            throw new IllegalArgumentException("guest path longer than " + PATH_MAX + " bytes: " + total);
        }
    }

    private static void checkName(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("guest path component must be a plain name, got \"" + name + "\"");
        }
        if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("guest path component contains '/' or NUL: " + printable(name));
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > NAME_MAX) {
            throw new IllegalArgumentException("guest path component longer than " + NAME_MAX + " bytes ("
                    + bytes + "): " + printable(name.substring(0, 40)) + "…");
        }
    }

    /**
     * Parses an absolute guest path.
     *
     * @throws IllegalArgumentException if the path is empty, relative, contains NUL, or a name or
     *                                  the whole is too long
     */
    public static GuestPath of(String absolute) {
        Objects.requireNonNull(absolute, "absolute");
        if (absolute.isEmpty()) {
            throw new IllegalArgumentException("guest path is empty");
        }
        if (absolute.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("guest path contains NUL: " + printable(absolute));
        }
        if (absolute.charAt(0) != '/') {
            throw new IllegalArgumentException("guest path must be absolute (start with '/'): " + printable(absolute));
        }
        List<String> names = new ArrayList<>();
        for (String part : absolute.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..")) {
                if (!names.isEmpty()) {
                    names.removeLast();
                }
                continue;
            }
            names.add(part);
        }
        return new GuestPath(names);
    }

    public boolean isRoot() {
        return names.isEmpty();
    }

    /** The last name; the root has none. */
    public String fileName() {
        if (isRoot()) {
            throw new IllegalStateException("the guest root has no file name");
        }
        return names.getLast();
    }

    /** The parent directory; the root is its own parent. */
    public GuestPath parent() {
        return isRoot() ? this : new GuestPath(names.subList(0, names.size() - 1));
    }

    /** This path with one more name. */
    public GuestPath child(String name) {
        List<String> more = new ArrayList<>(names);
        more.add(name);
        return new GuestPath(more);
    }

    @Override
    public String toString() {
        return isRoot() ? "/" : "/" + String.join("/", names);
    }

    private static String printable(String s) {
        return s.replace("\0", "\\0");
    }
}
