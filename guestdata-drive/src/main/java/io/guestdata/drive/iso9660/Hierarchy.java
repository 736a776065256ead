package io.guestdata.drive.iso9660;

import io.guestdata.drive.ImageException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One directory hierarchy of the image: the primary one (ECMA-119 identifiers, with Rock Ridge)
 * or the Joliet one. Holds its directories in path table order (§9.4: by level, parent number,
 * identifier), each with its records in §9.3 order.
 *
 * <p><b>Deep directories.</b> ECMA-119 §6.8.2.1 allows 8 levels (the root is level 1). In the
 * primary hierarchy a directory that would lie at level 9 is relocated as genisoimage does with
 * {@code -r} (RRIP 1.12 §4.1.5): it moves to a directory {@code rr_moved} in the root (level 3
 * then), its real parent keeps a zero-length file record with a {@code CL} entry pointing to it,
 * its record in {@code rr_moved} carries {@code RE}, and its "{@code ..}" a {@code PL} entry naming
 * the real parent. Rock Ridge readers (Linux, xorriso) show the real tree plus an empty
 * {@code rr_moved} (named {@code rr_moved_1}, … if the root already has an entry of that name), as
 * with genisoimage. The Joliet hierarchy keeps the real tree at any depth, as genisoimage does.
 */
final class Hierarchy {
    /** ECMA-119 §6.8.2.1. */
    static final int MAX_LEVELS = 8;
    static final String RELOCATION_DIRECTORY = "rr_moved";
    /** §9.4.4: parent directory numbers are 16-bit. */
    static final int MAX_DIRECTORIES = 0xFFFF;

    /** Whether records carry Rock Ridge entries (the primary hierarchy). */
    final boolean rockRidge;
    private final List<IsoDirectory> directories;

    private Hierarchy(boolean rockRidge, List<IsoDirectory> directories) {
        this.rockRidge = rockRidge;
        this.directories = directories;
    }

    IsoDirectory root() {
        return directories.get(0);
    }

    List<IsoDirectory> directories() {
        return directories;
    }

    /** The primary hierarchy, with relocation of directories deeper than 8 levels. */
    static Hierarchy primary(FileTree.Directory tree, Map<FileTree.File, FileExtent> extents) throws ImageException {
        return build(tree, extents, true, new PrimaryIdentifiers(), StandardCharsets.US_ASCII);
    }

    /** The Joliet hierarchy: the real tree, any depth. */
    static Hierarchy joliet(FileTree.Directory tree, Map<FileTree.File, FileExtent> extents) throws ImageException {
        return build(tree, extents, false, new JolietIdentifiers(), StandardCharsets.UTF_16BE);
    }

    private static Hierarchy build(FileTree.Directory tree, Map<FileTree.File, FileExtent> extents, boolean primary,
            IdentifierScheme scheme, Charset charset) throws ImageException {
        IsoDirectory root = new IsoDirectory(tree, null, null, 1, false);
        IsoDirectory rrMoved = primary && depth(tree) > MAX_LEVELS
                ? new IsoDirectory(null, root, root, 2, false) : null;
        List<IsoDirectory> all = new ArrayList<>();
        Deque<IsoDirectory> pending = new ArrayDeque<>();
        pending.push(root);
        while (!pending.isEmpty()) {
            IsoDirectory dir = pending.pop();
            all.add(dir);
            for (FileTree.Node child : dir.source.children()) {
                if (child instanceof FileTree.File f) {
                    dir.entries.add(DirectoryEntry.file(f.name(), extents.get(f)));
                } else {
                    FileTree.Directory d = (FileTree.Directory) child;
                    IsoDirectory sub;
                    if (rrMoved != null && dir.level + 1 > MAX_LEVELS) {
                        sub = new IsoDirectory(d, rrMoved, dir, rrMoved.level + 1, true);
                        dir.entries.add(DirectoryEntry.relocationLink(d.name(), sub));
                        rrMoved.entries.add(DirectoryEntry.relocatedDirectory(d.name(), sub));
                    } else {
                        sub = new IsoDirectory(d, dir, dir, dir.level + 1, false);
                        dir.entries.add(DirectoryEntry.directory(d.name(), sub));
                    }
                    pending.push(sub);
                }
            }
        }
        if (rrMoved != null) {
            root.entries.add(DirectoryEntry.directory(relocationDirectoryName(tree), rrMoved));
            all.add(rrMoved);
        }
        for (IsoDirectory dir : all) {
            name(dir, scheme, charset);
            dir.self = DirectoryEntry.self(dir);
            dir.dotdot = DirectoryEntry.parent(dir.parent);
            dir.links = 2;
            for (DirectoryEntry e : dir.entries) {
                if (e.kind != DirectoryEntry.Kind.FILE) {
                    dir.links++;
                }
            }
        }
        return new Hierarchy(primary, pathTableOrder(root));
    }

    /** Identifiers per the scheme, unique in the directory, then §9.3 order. */
    private static void name(IsoDirectory dir, IdentifierScheme scheme, Charset charset) {
        List<String> names = new ArrayList<>(dir.entries.size());
        List<Boolean> dirs = new ArrayList<>(dir.entries.size());
        for (DirectoryEntry e : dir.entries) {
            names.add(e.name);
            dirs.add(e.namedAsDirectory());
        }
        List<String> ids = UniqueIdentifiers.assign(names, dirs, scheme);
        for (int i = 0; i < ids.size(); i++) {
            DirectoryEntry e = dir.entries.get(i);
            e.identifier = ids.get(i);
            e.identifierBytes = e.identifier.getBytes(charset);
        }
        // ordered as what they are recorded as: a relocation link is a file record (§9.3 splits its extension)
        dir.entries.sort((a, b) -> IdentifierOrder.compare(a.identifier, !a.recordsDirectory(),
                b.identifier, !b.recordsDirectory()));
    }

    /** Breadth-first over sorted children: §9.4 order. Numbers the directories. */
    private static List<IsoDirectory> pathTableOrder(IsoDirectory root) throws ImageException {
        List<IsoDirectory> order = new ArrayList<>();
        order.add(root);
        for (int i = 0; i < order.size(); i++) {
            IsoDirectory dir = order.get(i);
            if (order.size() > MAX_DIRECTORIES) {
                throw new ImageException(order.get(MAX_DIRECTORIES).path(), "the image would hold more than "
                        + MAX_DIRECTORIES + " directories, the most an ISO 9660 path table can number (ECMA-119 §9.4.4)");
            }
            dir.number = i + 1;
            for (DirectoryEntry e : dir.entries) {
                if (e.kind == DirectoryEntry.Kind.DIRECTORY || e.kind == DirectoryEntry.Kind.RELOCATED_DIRECTORY) {
                    e.directory.identifier = e.identifierBytes;
                    order.add(e.directory);
                }
            }
        }
        return List.copyOf(order);
    }

    /** Levels of directories in the tree, the root being level 1. */
    private static int depth(FileTree.Directory tree) {
        int max = 0;
        Deque<FileTree.Directory> dirs = new ArrayDeque<>();
        Deque<Integer> levels = new ArrayDeque<>();
        dirs.push(tree);
        levels.push(1);
        while (!dirs.isEmpty()) {
            FileTree.Directory d = dirs.pop();
            int level = levels.pop();
            max = Math.max(max, level);
            for (FileTree.Directory sub : d.subdirectories()) {
                dirs.push(sub);
                levels.push(level + 1);
            }
        }
        return max;
    }

    private static String relocationDirectoryName(FileTree.Directory root) {
        Set<String> names = new HashSet<>();
        root.children().forEach(n -> names.add(n.name()));
        String name = RELOCATION_DIRECTORY;
        for (int k = 1; names.contains(name); k++) {
            name = RELOCATION_DIRECTORY + "_" + k;
        }
        return name;
    }
}
