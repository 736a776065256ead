package io.guestdata.core.metadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The OpenStack metadata versions ({@code OPENSTACK_VERSIONS} in {@code nova/api/metadata/base.py};
 * nova-compat.md §1.1), oldest first: the one table of versions. Nova 26 knows them up to 2020-10-14, Nova 31
 * adds 2025-04-04; {@link NovaRelease#newestOpenStackVersion()} says where a release's list ends, and so what
 * {@code latest} is. Version checks compare positions in this list, not dates.
 */
enum OpenStackVersion {
    FOLSOM("2012-08-10"),
    GRIZZLY("2013-04-04"),
    HAVANA("2013-10-17"),
    LIBERTY("2015-10-15"),
    NEWTON_ONE("2016-06-30"),
    NEWTON_TWO("2016-10-06"),
    OCATA("2017-02-22"),
    ROCKY("2018-08-27"),
    VICTORIA("2020-10-14"),
    /** Nova 31 (2025.1 Epoxy): files as {@code latest}'s ({@code share} devices aside, which no document has). */
    EPOXY("2025-04-04");

    static final String LATEST = "latest";

    private final String text;

    OpenStackVersion(String text) {
        this.text = text;
    }

    /** The version string as it appears in paths, e.g. {@code 2013-04-04}. */
    String text() {
        return text;
    }

    boolean atLeast(OpenStackVersion required) {
        return compareTo(required) >= 0;
    }

    /** The versions up to {@code newest}, oldest first (without {@code latest}). */
    static List<OpenStackVersion> upTo(OpenStackVersion newest) {
        List<OpenStackVersion> versions = new ArrayList<>();
        for (OpenStackVersion v : values()) {
            if (v.compareTo(newest) <= 0) {
                versions.add(v);
            }
        }
        return versions;
    }

    /**
     * A path token: a version string up to {@code newest}, or {@code latest} ({@code newest}); anything else is
     * unknown (404), as a newer release's version is to an older Nova.
     */
    static Optional<OpenStackVersion> parse(String token, OpenStackVersion newest) {
        if (LATEST.equals(token)) {
            return Optional.of(newest);
        }
        for (OpenStackVersion v : upTo(newest)) {
            if (v.text.equals(token)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
