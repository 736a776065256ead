package io.guestdata.inject;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

import io.guestdata.inject.fs.GuestPath;

/**
 * One guest path an item writes, with everything decided before the first write: the
 * operations, the bytes, the mode and owner the path ends with, the space it may need, and the
 * refusal if a check failed.
 *
 * @param item        the item
 * @param action      {@code mkdir}, {@code chown+chmod}, {@code append} or {@code replace}
 * @param path        the real guest path (no symlink in it)
 * @param bytes       bytes appended, or the new size; empty for a directory
 * @param mode        permission bits afterwards
 * @param owner       owner afterwards
 * @param operations  the calls, in order
 * @param spaceBytes  free bytes it may consume (generous: block rounding, directory growth, mapping blocks)
 * @param inodes      inodes it creates
 * @param detail      what it does, in words
 * @param refusal     why it must not be written, if a check failed
 */
record PlannedWrite(InjectionItem item, String action, GuestPath path, OptionalLong bytes, int mode, Owner owner,
                    List<GuestOperation> operations, long spaceBytes, int inodes, String detail,
                    Optional<String> refusal) {

    PlannedWrite {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(bytes, "bytes");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(detail, "detail");
        Objects.requireNonNull(refusal, "refusal");
        operations = List.copyOf(operations);
    }

    /** The same write, refused. */
    PlannedWrite refused(String why) {
        return new PlannedWrite(item, action, path, bytes, mode, owner, operations, spaceBytes, inodes, detail,
                Optional.of(why));
    }
}
