package io.guestdata.inject.fs;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What a guest inode says about itself (lstat semantics: a symlink describes the link).
 *
 * @param type          file type
 * @param mode          permission bits including set-id and sticky ({@code & 07777})
 * @param uid           owner (32-bit: low and high halves of the inode)
 * @param gid           group (32-bit)
 * @param size          size in bytes
 * @param linkCount     hard link count
 * @param inode         the inode number
 * @param symlinkTarget the target text when {@code type} is SYMLINK (bytes decoded as UTF-8)
 * @param attributes    the inode flags that restrict writes (immutable, append-only, …); empty for
 *                      types that have none readable (libguestfs reads them for files and directories)
 */
public record FileStat(FileType type, int mode, int uid, int gid, long size, int linkCount, long inode,
                       Optional<String> symlinkTarget, Set<InodeAttribute> attributes) {

    public FileStat {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(symlinkTarget, "symlinkTarget");
        if ((mode & ~07777) != 0) {
            throw new IllegalArgumentException("mode holds more than permission bits: " + Integer.toOctalString(mode));
        }
        attributes = attributes.isEmpty() ? Set.of() : java.util.Collections.unmodifiableSet(EnumSet.copyOf(attributes));
    }

    public boolean isDirectory() {
        return type == FileType.DIRECTORY;
    }

    public boolean isRegularFile() {
        return type == FileType.REGULAR;
    }

    public boolean isSymlink() {
        return type == FileType.SYMLINK;
    }
}
