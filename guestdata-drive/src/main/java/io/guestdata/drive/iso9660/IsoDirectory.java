package io.guestdata.drive.iso9660;

import java.util.ArrayList;
import java.util.List;

/**
 * One directory of one hierarchy (primary or Joliet). Mutable only while the image is laid out:
 * identifier, directory number, extent and size are assigned by {@link Hierarchy} and
 * {@link IsoImage}.
 */
final class IsoDirectory {
    /** The real directory; null for {@code rr_moved}. */
    final FileTree.Directory source;
    /** The parent in this hierarchy (path table, "{@code ..}"); the root's parent is itself. */
    final IsoDirectory parent;
    /** The parent in the real tree; differs from {@link #parent} only for a relocated directory. */
    final IsoDirectory realParent;
    /** ECMA-119 §6.8.2.1 level: root 1. */
    final int level;
    final boolean relocated;
    /** Records other than "{@code .}" and "{@code ..}", in §9.3 order once the hierarchy is built. */
    final List<DirectoryEntry> entries = new ArrayList<>();
    DirectoryEntry self;
    DirectoryEntry dotdot;

    /** Identifier in the parent (path table); 0x00 for the root. */
    byte[] identifier = DirectoryRecord.SELF;
    /** Path table directory number (§9.4.4), from 1. */
    int number;
    /** Rock Ridge {@code PX} link count: 2 plus subdirectories as a POSIX reader sees them. */
    long links;
    long block;
    long size;

    IsoDirectory(FileTree.Directory source, IsoDirectory parent, IsoDirectory realParent, int level, boolean relocated) {
        this.source = source;
        this.parent = parent == null ? this : parent;
        this.realParent = realParent == null ? this : realParent;
        this.level = level;
        this.relocated = relocated;
    }

    byte[] identifierBytes() {
        return identifier;
    }

    /** The directory's path for error messages. */
    String path() {
        return source == null ? "rr_moved" : source.path().isEmpty() ? "/" : source.path();
    }

    /** All records in order: "{@code .}", "{@code ..}", then the entries. */
    List<DirectoryEntry> records() {
        List<DirectoryEntry> all = new ArrayList<>(entries.size() + 2);
        all.add(self);
        all.add(dotdot);
        all.addAll(entries);
        return all;
    }
}
