package io.guestdata.core.metadata;

import java.util.Optional;

/**
 * The OpenStack metadata versions Nova 26 knows ({@code OPENSTACK_VERSIONS} in
 * {@code nova/api/metadata/base.py}; nova-compat.md §1.1), oldest first. Version checks compare positions
 * in this list, not dates; {@code latest} is the newest.
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
    VICTORIA("2020-10-14");

    static final String LATEST = "latest";
    static final OpenStackVersion NEWEST = VICTORIA;

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

    /** A path token: a version string or {@code latest}; anything else is unknown (404). */
    static Optional<OpenStackVersion> parse(String token) {
        if (LATEST.equals(token)) {
            return Optional.of(NEWEST);
        }
        for (OpenStackVersion v : values()) {
            if (v.text.equals(token)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
