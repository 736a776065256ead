package io.guestdata.inject;

import java.util.Objects;

/**
 * Stage 5 of the safety model (docs/injection.md): the writes, in Nova's order, each call re-checking
 * its own target before it changes anything ({@link io.guestdata.inject.fs.PolicedFilesystem}); with
 * the ext backend they go into memory only, until {@link CloseAndReport} commits them. A refused plan
 * writes nothing (unless best effort, which drops the refused items); a dry run writes nothing and
 * says what a real run would write.
 */
final class ApplyPlan {

    /** What this stage hands on: what was written (or would be), per entry, and the outcome. */
    record Applied(CheckFilesystem.Checked checked, InjectionPlan.Result result) {
        Applied {
            Objects.requireNonNull(checked, "checked");
            Objects.requireNonNull(result, "result");
        }
    }

    Applied run(PlanWrites.Planned planned) {
        CheckFilesystem.Checked checked = planned.checked();
        boolean bestEffort = checked.scope().options().bestEffort();
        InjectionPlan.Result result = checked.scope().dryRun() ? planned.plan().dryRun(bestEffort)
                : planned.plan().apply(checked.filesystem(), bestEffort);
        return new Applied(checked, result);
    }
}
