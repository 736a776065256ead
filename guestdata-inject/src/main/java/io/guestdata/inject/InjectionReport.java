package io.guestdata.inject;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * What an injection wrote and did not write, one {@link Entry} per guest path written (a
 * directory made or chmod/chown'ed, a file appended to or replaced), in the order of writing.
 *
 * @param image      the image as given
 * @param format     its container format ({@code raw}, {@code qcow2}, …), when it was opened
 * @param target     where in the image ({@code partition 1 (ext4)}, {@code the whole disk (ext2)})
 * @param backend    the filesystem backend used
 * @param dryRun     whether this is a plan only (the image was opened read-only)
 * @param entries    every write, planned or done
 * @param outcome    the overall result
 * @param notes      remarks that are not one write (a kernel_id forcing the whole disk, a close
 *                   that failed after writing)
 */
public record InjectionReport(String image, Optional<String> format, Optional<String> target, Optional<String> backend,
                              boolean dryRun, List<Entry> entries, Outcome outcome, List<String> notes) {

    public InjectionReport {
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(outcome, "outcome");
        entries = List.copyOf(entries);
        notes = List.copyOf(notes);
    }

    /** How the whole injection ended. */
    public enum Outcome {
        /** Every requested write was done. */
        DONE,
        /** Dry run: every planned write passed its checks; nothing was written. */
        PLANNED,
        /** Nothing to inject (no data, or injection disabled with partition -2); the image was not opened. */
        NOTHING_TO_DO,
        /** A check failed before the first write: nothing was written. */
        REFUSED,
        /** A write failed; the entries say which were written. Without --best-effort the rest was not attempted. */
        FAILED,
        /** With --best-effort: some items were written, some refused or failed. */
        PARTIAL;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /** The state of one write. */
    public enum Status {
        /** Dry run: it would be written. */
        PLANNED,
        /** Written. */
        WRITTEN,
        /** Attempted and failed (the detail says whether anything of it reached the disk). */
        FAILED,
        /** A check refused it before the first write of the injection. */
        REFUSED,
        /** Not attempted, because of another entry's refusal or failure. */
        NOT_WRITTEN,
        /** Nothing to write for this item (the instance has no such data). */
        SKIPPED;

        public String label() {
            return name().toLowerCase(Locale.ROOT).replace('_', ' ');
        }
    }

    /**
     * One write.
     *
     * @param item   the injection item it belongs to
     * @param action {@code mkdir}, {@code chown+chmod}, {@code append}, {@code replace}, or {@code -} for a skipped item
     * @param path   the guest path, empty for a skipped item
     * @param bytes  bytes appended or the file's new size; empty for a directory
     * @param mode   the permission bits the entry has afterwards
     * @param owner  the owner it has afterwards
     * @param status what happened
     * @param detail why, in words (new or existing file, mode kept, the refusal or error)
     */
    public record Entry(InjectionItem item, String action, Optional<String> path, OptionalLong bytes,
                        OptionalInt mode, Optional<Owner> owner, Status status, String detail) {
        public Entry {
            Objects.requireNonNull(item, "item");
            Objects.requireNonNull(action, "action");
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(bytes, "bytes");
            Objects.requireNonNull(mode, "mode");
            Objects.requireNonNull(owner, "owner");
            Objects.requireNonNull(status, "status");
            Objects.requireNonNull(detail, "detail");
        }

        /** Mode as four octal digits ({@code 0644}), or {@code -}. */
        public String modeText() {
            return mode.isPresent() ? String.format("%04o", mode.getAsInt()) : "-";
        }
    }

    /** Entries with this status. */
    public long count(Status status) {
        return entries.stream().filter(e -> e.status() == status).count();
    }

    /** Whether every requested write was done (or, in a dry run, would be attempted). */
    public boolean succeeded() {
        return outcome == Outcome.DONE || outcome == Outcome.PLANNED || outcome == Outcome.NOTHING_TO_DO;
    }
}
