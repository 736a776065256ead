package io.guestdata.drive.iso9660;

/**
 * One directory record as planned in a directory of one hierarchy: what it stands for, its
 * identifier, and (assigned by the layout) its length and Continuation Area. The record's bytes are
 * produced only while the image is written, from this plan and the extents then known.
 */
final class DirectoryEntry {
    enum Kind {
        /** "{@code .}" (identifier 0x00). */
        SELF,
        /** "{@code ..}" (identifier 0x01). */
        PARENT,
        FILE,
        DIRECTORY,
        /**
         * A zero-length file record with a Rock Ridge {@code CL} entry standing, in its real
         * parent, for a directory relocated to {@code rr_moved} (RRIP 1.12 §4.1.5.1).
         */
        RELOCATION_LINK,
        /** A relocated directory's record in {@code rr_moved}, with an {@code RE} entry. */
        RELOCATED_DIRECTORY
    }

    final Kind kind;
    /** The real name (Rock Ridge {@code NM}); null for SELF and PARENT. */
    final String name;
    /** The directory this record points to (SELF, PARENT, DIRECTORY, RELOCATED_DIRECTORY) or stands for (RELOCATION_LINK). */
    final IsoDirectory directory;
    /** The file (FILE). */
    final FileExtent file;

    String identifier;
    byte[] identifierBytes;
    int length;
    int continuationLength;
    long continuationBlock;
    int continuationOffset;

    private DirectoryEntry(Kind kind, String name, IsoDirectory directory, FileExtent file) {
        this.kind = kind;
        this.name = name;
        this.directory = directory;
        this.file = file;
    }

    static DirectoryEntry self(IsoDirectory d) {
        DirectoryEntry e = new DirectoryEntry(Kind.SELF, null, d, null);
        e.identifierBytes = DirectoryRecord.SELF;
        return e;
    }

    static DirectoryEntry parent(IsoDirectory parent) {
        DirectoryEntry e = new DirectoryEntry(Kind.PARENT, null, parent, null);
        e.identifierBytes = DirectoryRecord.PARENT;
        return e;
    }

    static DirectoryEntry file(String name, FileExtent file) {
        return new DirectoryEntry(Kind.FILE, name, null, file);
    }

    static DirectoryEntry directory(String name, IsoDirectory d) {
        return new DirectoryEntry(Kind.DIRECTORY, name, d, null);
    }

    static DirectoryEntry relocationLink(String name, IsoDirectory relocated) {
        return new DirectoryEntry(Kind.RELOCATION_LINK, name, relocated, null);
    }

    static DirectoryEntry relocatedDirectory(String name, IsoDirectory relocated) {
        return new DirectoryEntry(Kind.RELOCATED_DIRECTORY, name, relocated, null);
    }

    /** Named as a directory identifier (no extension, no version). */
    boolean namedAsDirectory() {
        return kind != Kind.FILE;
    }

    /** Recorded with the directory flag and pointing to a directory extent. */
    boolean recordsDirectory() {
        return kind == Kind.SELF || kind == Kind.PARENT || kind == Kind.DIRECTORY || kind == Kind.RELOCATED_DIRECTORY;
    }

    boolean hasContinuation() {
        return continuationLength > 0;
    }
}
