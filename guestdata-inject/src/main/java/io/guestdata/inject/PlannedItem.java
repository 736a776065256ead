package io.guestdata.inject;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One item of the plan: its writes, or why there is nothing to write.
 *
 * @param item     the item
 * @param writes   its writes, in order (empty when skipped or refused as a whole)
 * @param skipped  why nothing is written for it (the instance has no such data)
 * @param refusal  why the item as a whole cannot be written when no single path is at fault
 *                 (requested with --only but without data, or the guest lacks what it needs)
 * @param notes    remarks for the report (keys not injected because they are not SSH keys)
 */
record PlannedItem(InjectionItem item, List<PlannedWrite> writes, Optional<String> skipped, Optional<String> refusal,
                   List<String> notes) {

    PlannedItem {
        Objects.requireNonNull(item, "item");
        Objects.requireNonNull(skipped, "skipped");
        Objects.requireNonNull(refusal, "refusal");
        writes = List.copyOf(writes);
        notes = List.copyOf(notes);
    }

    static PlannedItem skipped(InjectionItem item, String why) {
        return new PlannedItem(item, List.of(), Optional.of(why), Optional.empty(), List.of());
    }

    static PlannedItem refused(InjectionItem item, String why) {
        return new PlannedItem(item, List.of(), Optional.empty(), Optional.of(why), List.of());
    }

    /** Whether any check failed for this item. */
    boolean isRefused() {
        return refusal.isPresent() || writes.stream().anyMatch(w -> w.refusal().isPresent());
    }

    long spaceBytes() {
        return writes.stream().mapToLong(PlannedWrite::spaceBytes).sum();
    }

    long inodes() {
        return writes.stream().mapToLong(PlannedWrite::inodes).sum();
    }

    PlannedItem withWrites(List<PlannedWrite> replaced) {
        return new PlannedItem(item, replaced, skipped, refusal, notes);
    }
}
