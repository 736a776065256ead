package io.guestdata.drive.iso9660;

import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.ImagePath;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The validated tree of files and the directories their paths imply; names are the real names,
 * which Rock Ridge records exactly. Built before any byte of an image exists, so every reason to
 * refuse an input is found here (or in the layout) and reported with the path at fault.
 *
 * <p>Children are kept sorted by name, so the image does not depend on the order of the input list.
 */
final class FileTree {
    /**
     * Longest name, in UTF-8 bytes. RRIP 1.12 §4.1.4 sets no limit, but Linux, xorriso and every
     * POSIX system reading the image stop at NAME_MAX (255).
     */
    static final int MAX_NAME_BYTES = 255;
    /**
     * Largest file: ECMA-119 §9.1.4 data length is 32 bits and this writer records every file in
     * one extent (multi-extent files, §6.5.1, are not written: Linux before 2.6.35 and some readers
     * cannot read them, and config drive content is far smaller).
     */
    static final long MAX_FILE_SIZE = 0xFFFF_FFFFL;

    private FileTree() {
    }

    /** A file or a directory in the tree. */
    sealed interface Node permits File, Directory {
        /** The last path segment, exact. */
        String name();

        /** The path from the root, {@code /}-separated; empty for the root. */
        String path();
    }

    /** A regular file and where its bytes come from. */
    record File(String name, String path, ImageFile file) implements Node {
    }

    /** A directory; {@code children} sorted by name. */
    record Directory(String name, String path, List<Node> children) implements Node {
        boolean isRoot() {
            return path.isEmpty();
        }

        List<Directory> subdirectories() {
            List<Directory> dirs = new ArrayList<>();
            for (Node n : children) {
                if (n instanceof Directory d) {
                    dirs.add(d);
                }
            }
            return dirs;
        }
    }

    /**
     * Validates every path and size and builds the tree.
     *
     * @throws ImageException naming the first offending path: empty, leading or trailing
     *     {@code /}, empty/{@code .}/{@code ..} segment, NUL, unpaired surrogate, a segment over
     *     {@value #MAX_NAME_BYTES} or a path over {@value ImagePath#MAX_PATH_BYTES} UTF-8 bytes, a size over
     *     {@value #MAX_FILE_SIZE}, the same path twice, or a path that is a file and also a directory
     */
    static Directory build(List<ImageFile> files) throws ImageException {
        Objects.requireNonNull(files, "files");
        Builder root = new Builder("", "");
        for (ImageFile f : files) {
            Objects.requireNonNull(f, "files contains null");
            String[] segments = validatePath(f.path());
            if (f.size() > MAX_FILE_SIZE) {
                throw new ImageException(f.path(), "size " + f.size() + " bytes exceeds the ISO 9660 limit of "
                        + MAX_FILE_SIZE + " bytes (4 GiB - 1) for a file recorded in one extent (ECMA-119 §9.1.4)");
            }
            root.insert(segments, f);
        }
        return root.freeze();
    }

    private static String[] validatePath(String path) throws ImageException {
        String[] segments = ImagePath.segments(path);
        for (String s : segments) {
            int bytes = s.getBytes(StandardCharsets.UTF_8).length;
            if (bytes > MAX_NAME_BYTES) {
                throw new ImageException(path, "name \"" + s + "\" is " + bytes + " bytes in UTF-8; the limit is "
                        + MAX_NAME_BYTES + " (Rock Ridge NM as read by Linux and xorriso, NAME_MAX)");
            }
        }
        return segments;
    }

    /** Mutable only while the tree is built. */
    private static final class Builder {
        final String name;
        final String path;
        final TreeMap<String, Object> children = new TreeMap<>(); // Builder or File

        Builder(String name, String path) {
            this.name = name;
            this.path = path;
        }

        void insert(String[] segments, ImageFile file) throws ImageException {
            Builder dir = this;
            for (int i = 0; i < segments.length - 1; i++) {
                Object child = dir.children.get(segments[i]);
                String childPath = dir.child(segments[i]);
                if (child instanceof File) {
                    throw new ImageException(file.path(), "'" + childPath
                            + "' is a file and also a directory of this path; a path cannot be both");
                }
                if (child == null) {
                    child = new Builder(segments[i], childPath);
                    dir.children.put(segments[i], child);
                }
                dir = (Builder) child;
            }
            String last = segments[segments.length - 1];
            Object existing = dir.children.get(last);
            if (existing instanceof File) {
                throw new ImageException(file.path(), "duplicate path; each file may appear once");
            }
            if (existing != null) {
                throw new ImageException(file.path(), "is a file and also a directory of other paths; a path cannot be both");
            }
            dir.children.put(last, new File(last, file.path(), file));
        }

        String child(String segment) {
            return path.isEmpty() ? segment : path + "/" + segment;
        }

        Directory freeze() {
            List<Node> nodes = new ArrayList<>(children.size());
            for (Object child : children.values()) {
                nodes.add(child instanceof Builder b ? b.freeze() : (File) child);
            }
            return new Directory(name, path, List.copyOf(nodes));
        }
    }
}
