package io.guestdata.drive.vfat;

import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImagePath;
import io.guestdata.drive.ImageFile;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The directory tree the image will hold, built from the file list and checked completely before
 * a byte is written: path syntax, FAT name limits ({@link NameLimits}), duplicates, a path used both
 * as a file and as a directory, names equal without regard to case in one directory, file sizes,
 * directory sizes. Each directory knows its entries in order, their short names and how many
 * 32-byte slots it needs.
 *
 * <p>Entries are sorted by name (UTF-16 order), so the image does not depend on the order of the
 * input list.
 */
final class DirectoryTree {
    /** {@code DIR_FileSize} is 32 bits. */
    static final long MAX_FILE_SIZE = 0xFFFF_FFFFL;
    /**
     * A directory may not grow past 65536 entries of 32 bytes, 2 MiB ("FAT Directory Structure");
     * Linux refuses larger ones.
     */
    static final int MAX_DIRECTORY_SLOTS = 65536;
    /** {@code BPB_RootEntCnt} is 16 bits and must fill whole 512-byte sectors: 65520 entries. */
    static final int MAX_ROOT_SLOTS = 65520;

    /** One entry of a directory. */
    sealed interface Node permits Directory, RegularFile {
        String name();

        /** Path from the root, for messages; "" for the root. */
        String path();
    }

    /** A regular file and where its bytes come from. */
    record RegularFile(String name, String path, ImageFile file) implements Node {
    }

    /**
     * A directory with its entries sorted by name, their short names, and the number of 32-byte
     * slots it needs: {@code .} and {@code ..} (or the volume label in the root), and for each entry
     * its long entries and short entry.
     */
    record Directory(String name, String path, List<Node> entries, List<ShortName> shortNames, int slots)
            implements Node {
        boolean isRoot() {
            return path.isEmpty();
        }

        long bytes() {
            return (long) slots * DirectoryEntry.SIZE;
        }
    }

    private DirectoryTree() {
    }

    /**
     * @param label the 11-byte volume label stored in the root, or null when there is none
     */
    static Directory build(List<ImageFile> files, byte[] label) throws ImageException {
        Builder root = new Builder("", "");
        for (ImageFile file : files) {
            add(root, file);
        }
        return root.freeze(label);
    }

    private static void add(Builder root, ImageFile file) throws ImageException {
        String path = file.path();
        String[] names = split(path);
        if (file.size() > MAX_FILE_SIZE) {
            throw new ImageException(path, "file is " + file.size() + " bytes; FAT holds files of at most "
                    + MAX_FILE_SIZE + " bytes (4 GiB − 1)");
        }
        Builder dir = root;
        for (int i = 0; i < names.length - 1; i++) {
            Object existing = dir.entry(names[i], path);
            if (existing instanceof RegularFile f) {
                throw new ImageException(path, "'" + f.path() + "' is a file, so it cannot also be a directory");
            }
            if (existing == null) {
                String dirPath = String.join("/", Arrays.copyOf(names, i + 1));
                Builder child = new Builder(names[i], dirPath);
                dir.put(names[i], child);
                existing = child;
            }
            dir = (Builder) existing;
        }
        String name = names[names.length - 1];
        Object existing = dir.entry(name, path);
        if (existing instanceof Builder) {
            throw new ImageException(path, "is a directory (other files are below it), so it cannot also be a file");
        }
        if (existing != null) {
            throw new ImageException(path, "appears twice in the file list");
        }
        dir.put(name, new RegularFile(name, path, file));
    }

    private static String[] split(String path) throws ImageException {
        String[] names = ImagePath.segments(path);
        for (String name : names) {
            NameLimits.check(name, path);
        }
        return names;
    }

    /** A directory while files are added; sorted and frozen into a {@link Directory}. */
    private static final class Builder {
        private final String name;
        private final String path;
        private final TreeMap<String, Object> entries = new TreeMap<>();
        private final Map<String, String> byMatchKey = new HashMap<>();

        Builder(String name, String path) {
            this.name = name;
            this.path = path;
        }

        /** The entry called {@code name}; rejects a different name that FAT would take for the same one. */
        Object entry(String entryName, String filePath) throws ImageException {
            String same = byMatchKey.get(NameLimits.matchKey(entryName));
            if (same != null && !same.equals(entryName)) {
                throw new ImageException(filePath, "'" + entryName + "' and '" + same + "' in "
                        + (path.isEmpty() ? "the root directory" : "directory '" + path + "'")
                        + " differ only in case; FAT names are case-insensitive, so they would be one name");
            }
            return entries.get(entryName);
        }

        void put(String entryName, Object node) {
            entries.put(entryName, node);
            byMatchKey.put(NameLimits.matchKey(entryName), entryName);
        }

        Directory freeze(byte[] label) throws ImageException {
            List<Node> nodes = new ArrayList<>(entries.size());
            for (Object o : entries.values()) {
                nodes.add(o instanceof Builder b ? b.freeze(null) : (Node) o);
            }
            boolean root = path.isEmpty();
            List<String> names = nodes.stream().map(Node::name).toList();
            List<ShortName> shortNames = ShortName.assign(names, root ? label : null);
            long slots = root ? (label != null ? 1 : 0) : 2;
            for (int i = 0; i < nodes.size(); i++) {
                slots += 1 + (shortNames.get(i).needsLongName() ? LongNameEntry.entriesFor(names.get(i)) : 0);
            }
            int limit = root ? MAX_ROOT_SLOTS : MAX_DIRECTORY_SLOTS;
            if (slots > limit) {
                throw new ImageException(root ? "/" : path, "directory needs " + slots
                        + " directory entries (long names take one per 13 characters plus one); FAT allows "
                        + limit + (root ? " in the root directory" : " in a directory"));
            }
            return new Directory(name, path, List.copyOf(nodes), shortNames, (int) slots);
        }
    }
}
