package io.guestdata.core.document;

import java.util.UUID;

/**
 * EC2 reservation ids in Nova's form {@code r-} + 8 characters of {@code [0-9a-z]}
 * (nova-compat.md §1.6). Nova draws them at random per request; we have no request, so an
 * instance without one gets an id derived from its uuid, the same every time.
 */
final class ReservationIds {

    static final String PATTERN = "r-[0-9a-z]{8}";

    private ReservationIds() {
    }

    /**
     * {@code r-} + the uuid's first 8 hex digits (lower case). Hex digits are within Nova's
     * alphabet, the id is the same on every delivery path, and an operator can tell at a glance
     * which instance a reservation id belongs to, as with {@code i-%08x} instance ids.
     */
    static String derive(UUID uuid) {
        return String.format("r-%08x", uuid.getMostSignificantBits() >>> 32);
    }
}
