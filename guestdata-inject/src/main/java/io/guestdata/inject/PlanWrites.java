package io.guestdata.inject;

import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;

import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;

/**
 * Stage 4 of the safety model (docs/injection.md): the plan ({@link InjectionPlanner}). Every write
 * is computed (path, bytes, mode, owner) and checked against the guest as it will be after the
 * writes before it, before the first write: no symlink on a written path, no hard-linked target,
 * inode flags, owners, the password's files, free space. Reads only. A sandboxed worker that died
 * while planning is an error (its first failure, which the planner may have taken for a refusal),
 * never a refusal.
 */
final class PlanWrites {

    /** What this stage hands on: the checked filesystem and its plan. */
    record Planned(CheckFilesystem.Checked checked, InjectionPlan plan) {
        Planned {
            Objects.requireNonNull(checked, "checked");
            Objects.requireNonNull(plan, "plan");
        }
    }

    private final RandomGenerator random;

    /** @param random the source of password salts */
    PlanWrites(RandomGenerator random) {
        this.random = Objects.requireNonNull(random, "random");
    }

    /** @throws GuestFsException the filesystem could not be read (or its worker died) while planning */
    Planned run(CheckFilesystem.Checked checked) throws GuestFsException {
        GuestFilesystem fs = checked.filesystem();
        InjectionPlan plan;
        try {
            plan = new InjectionPlanner(fs, checked.scope().instance(), checked.scope().options().request(), random).plan();
        } catch (GuestFsException e) {
            throw fs.broken().orElse(e);
        }
        Optional<GuestFsException> broken = fs.broken();
        if (broken.isPresent()) {
            throw broken.get();
        }
        return new Planned(checked, plan);
    }
}
