package io.guestdata.inject;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.fs.GuestFsException;

/**
 * Stage 6 of the safety model (docs/injection.md), the close, one commit, and the report. The
 * filesystem is closed first (libext2fs: bitmaps, descriptors, superblock, still into memory; the
 * changed blocks then reach the disk at once through the image's undo journal); only a clean close
 * lets the writes staged for libguestfs on an RBD image or a network disk be committed; then the
 * image is closed (its export, its lock). From the plan on the result is a report, whatever happened
 * here: a close or commit that fails after writes makes the outcome {@code failed}, with a note, and
 * writes that never reached the image are marked not written.
 */
final class CloseAndReport {

    private final InjectionHandles handles;

    CloseAndReport(InjectionHandles handles) {
        this.handles = Objects.requireNonNull(handles, "handles");
    }

    /** Closes everything the run still holds, in reverse order, and says what happened. */
    InjectionReport run(ApplyPlan.Applied applied) throws GuestFsException {
        CheckFilesystem.Checked checked = applied.checked();
        DecideScope.Scope scope = checked.scope();
        InjectionPlan.Result result = applied.result();
        List<String> all = new ArrayList<>(checked.notes());
        all.addAll(result.notes());
        InjectionReport report = new InjectionReport(scope.image().toString(), Optional.of(checked.format().qemuName()),
                Optional.of(checked.target()), Optional.of(checked.backend()), scope.dryRun(), result.entries(),
                result.outcome(), all);
        GuestFsException closeFailure = null;
        try {
            handles.close(checked.filesystem());
        } catch (GuestFsException e) {
            closeFailure = e;
        }
        try {
            Optional<String> notWritten = checked.commit().run(closeFailure == null);
            if (notWritten.isPresent()) {
                report = uncommitted(report, notWritten.get());
            }
        } catch (IOException e) {
            report = failedClose(report, "committing the writes to the image failed: " + e.getMessage());
        }
        if (closeFailure != null) {
            report = failedClose(report, "flushing and closing the filesystem failed: " + closeFailure.getMessage());
        }
        try {
            handles.close(); // the NBD export serving the image, if any, then the image
        } catch (IOException e) {
            report = failedClose(report, "closing the image failed: " + e.getMessage());
        }
        return report;
    }

    /** The filesystem closed, but none of its writes reached the image: nothing the report lists was written. */
    private static InjectionReport uncommitted(InjectionReport report, String problem) {
        List<Entry> entries = report.entries().stream().map(e -> e.status() != Status.WRITTEN ? e
                : new Entry(e.item(), e.action(), e.path(), e.bytes(), e.mode(), e.owner(), Status.NOT_WRITTEN,
                        "not committed to the image (" + e.detail() + ")")).toList();
        List<String> notes = new ArrayList<>(report.notes());
        notes.add(problem);
        return new InjectionReport(report.image(), report.format(), report.target(), report.backend(), report.dryRun(),
                entries, Outcome.FAILED, notes);
    }

    /** A close failed after the plan ran: written entries may not all be on disk. */
    private static InjectionReport failedClose(InjectionReport report, String problem) {
        List<String> notes = new ArrayList<>(report.notes());
        boolean wrote = report.count(Status.WRITTEN) > 0;
        notes.add(problem + (wrote ? "; the entries marked written may not all have reached the disk" : ""));
        Outcome outcome = report.outcome() == Outcome.DONE || report.outcome() == Outcome.PLANNED
                ? Outcome.FAILED : report.outcome();
        return new InjectionReport(report.image(), report.format(), report.target(), report.backend(), report.dryRun(),
                report.entries(), outcome, notes);
    }
}
