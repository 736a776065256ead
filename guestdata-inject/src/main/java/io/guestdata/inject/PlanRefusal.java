package io.guestdata.inject;

import java.util.Objects;

import io.guestdata.inject.fs.GuestPath;

/** A check of the plan failed for one guest path: that write, and its item, must not be done. */
final class PlanRefusal extends Exception {
    private static final long serialVersionUID = 1L;

    private final transient GuestPath path;
    private final String action;

    PlanRefusal(GuestPath path, String action, String message) {
        super(message);
        this.path = Objects.requireNonNull(path, "path");
        this.action = Objects.requireNonNull(action, "action");
    }

    GuestPath path() {
        return path;
    }

    String action() {
        return action;
    }
}
