package io.guestdata.inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;

/**
 * Every write of an injection, checked, in Nova's order. {@link #apply} writes it;
 * {@link #dryRun} only reports it.
 *
 * <p>Without best effort, one refused write refuses the whole plan and nothing is written; the
 * first failed write stops the injection. With best effort, a refused or failed item is left
 * out (the rest of that item is not attempted) and the other items are written.
 */
final class InjectionPlan {

    /** Entries and outcome of a run of the plan. */
    record Result(List<Entry> entries, Outcome outcome, List<String> notes) {
    }

    private final List<PlannedItem> items;

    InjectionPlan(List<PlannedItem> items) {
        this.items = List.copyOf(items);
    }

    boolean refused() {
        return items.stream().anyMatch(PlannedItem::isRefused);
    }

    private List<String> notes() {
        return items.stream().flatMap(i -> i.notes().stream()).toList();
    }

    /** What a real run would do, writing nothing. */
    Result dryRun(boolean bestEffort) {
        List<Entry> entries = new ArrayList<>();
        for (PlannedItem item : items) {
            if (addSkippedOrRefused(item, entries, bestEffort)) {
                continue;
            }
            for (PlannedWrite w : item.writes()) {
                entries.add(entry(w, Status.PLANNED, w.detail()));
            }
        }
        Outcome outcome = !refused() ? Outcome.PLANNED : bestEffort ? Outcome.PARTIAL : Outcome.REFUSED;
        return new Result(entries, outcome, notes());
    }

    /** Writes the plan. */
    Result apply(GuestFilesystem fs, boolean bestEffort) {
        List<Entry> entries = new ArrayList<>();
        if (refused() && !bestEffort) {
            for (PlannedItem item : items) {
                if (!addSkippedOrRefused(item, entries, false)) {
                    item.writes().forEach(w -> entries.add(entry(w, Status.NOT_WRITTEN,
                            "not attempted: the plan was refused, nothing was written")));
                }
            }
            return new Result(entries, Outcome.REFUSED, notes());
        }
        boolean stop = false;
        boolean anyFailed = false;
        for (PlannedItem item : items) {
            if (addSkippedOrRefused(item, entries, true)) {
                anyFailed |= item.isRefused();
                continue;
            }
            boolean itemFailed = false;
            for (PlannedWrite w : item.writes()) {
                if (stop) {
                    entries.add(entry(w, Status.NOT_WRITTEN, "not attempted: an earlier write failed"));
                    continue;
                }
                if (itemFailed) {
                    entries.add(entry(w, Status.NOT_WRITTEN, "not attempted: an earlier write of " + item.item().label()
                            + " failed"));
                    continue;
                }
                Optional<Failure> failure = write(fs, w);
                if (failure.isEmpty()) {
                    entries.add(entry(w, Status.WRITTEN, w.detail()));
                } else {
                    entries.add(entry(w, Status.FAILED, failure.get().message()));
                    anyFailed = true;
                    itemFailed = true;
                    stop = !bestEffort || failure.get().internal();
                }
            }
        }
        Outcome outcome = !anyFailed ? Outcome.DONE : bestEffort ? Outcome.PARTIAL : Outcome.FAILED;
        return new Result(entries, outcome, notes());
    }

    /**
     * A write that failed: what failed and what it left, and whether it was guestdata's own bug (a
     * RuntimeException), after which nothing more is attempted, even with best effort.
     */
    private record Failure(String message, boolean internal) {
    }

    /** Runs the operations of one write; empty when all succeeded. */
    private static Optional<Failure> write(GuestFilesystem fs, PlannedWrite w) {
        List<GuestOperation> ops = w.operations();
        for (int i = 0; i < ops.size(); i++) {
            GuestOperation op = ops.get(i);
            try {
                op.apply(fs);
            } catch (GuestFsException e) {
                return Optional.of(new Failure(describe(op) + " failed: " + e.getMessage() + "; "
                        + left(ops, i, op, e), false));
            } catch (RuntimeException e) {
                return Optional.of(new Failure("internal error during " + describe(op) + ": " + e + "; "
                        + left(ops, i, op, null), true));
            }
        }
        return Optional.empty();
    }

    /** What a failure at step {@code i} left behind. */
    private static String left(List<GuestOperation> ops, int i, GuestOperation op, GuestFsException e) {
        boolean content = op instanceof GuestOperation.Replace || op instanceof GuestOperation.Append;
        // guestdata's own refusals are decided before the call changes anything; a library's errors (libext2fs,
        // libguestfs, the sandboxed worker) may come mid-write.
        boolean refusedBeforeWriting = e != null && !e.mayHaveWritten();
        String thisStep = refusedBeforeWriting ? "this step wrote nothing"
                : content ? "the file may be partly written" : "this step may be partly done";
        return i == 0 ? thisStep : thisStep + "; the " + i + " step" + (i == 1 ? "" : "s") + " before it ("
                + ops.subList(0, i).stream().map(InjectionPlan::describe).reduce((a, b) -> a + ", " + b).orElse("")
                + ") were done";
    }

    private static String describe(GuestOperation op) {
        return switch (op) {
            case GuestOperation.MakeDirectories m -> "mkdir " + m.dir();
            case GuestOperation.Replace r -> "replace " + r.file();
            case GuestOperation.Append a -> "append to " + a.file();
            case GuestOperation.SetMode m -> String.format("chmod %04o %s", m.mode(), m.path());
            case GuestOperation.SetOwner o -> "chown " + o.owner() + " (" + o.owner().ids() + ") " + o.path();
        };
    }

    /**
     * Adds the entries of a skipped or refused item; false for an item to write. A refused item's
     * writes are listed: the refused ones with their reason, the others as not written.
     */
    private static boolean addSkippedOrRefused(PlannedItem item, List<Entry> entries, boolean bestEffort) {
        if (item.skipped().isPresent()) {
            entries.add(new Entry(item.item(), "-", Optional.empty(), OptionalLong.empty(), OptionalInt.empty(),
                    Optional.empty(), Status.SKIPPED, item.skipped().get()));
            return true;
        }
        if (!item.isRefused()) {
            return false;
        }
        if (item.refusal().isPresent()) {
            entries.add(new Entry(item.item(), "-", Optional.empty(), OptionalLong.empty(), OptionalInt.empty(),
                    Optional.empty(), Status.REFUSED, item.refusal().get()));
        }
        for (PlannedWrite w : item.writes()) {
            entries.add(w.refusal().isPresent() ? entry(w, Status.REFUSED, w.refusal().get())
                    : entry(w, Status.NOT_WRITTEN, bestEffort ? "not attempted: " + item.item().label() + " was refused"
                    : "not attempted: the plan was refused, nothing was written"));
        }
        return true;
    }

    private static Entry entry(PlannedWrite w, Status status, String detail) {
        boolean known = w.owner() != InjectionPlanner.UNKNOWN_OWNER;
        return new Entry(w.item(), w.action(), Optional.of(w.path().toString()), w.bytes(),
                known ? OptionalInt.of(w.mode()) : OptionalInt.empty(), known ? Optional.of(w.owner()) : Optional.empty(),
                status, detail);
    }
}
