package io.guestdata.core.metadata;

import java.util.Optional;

/**
 * The EC2 metadata versions Nova 26 serves ({@code VERSIONS} in {@code nova/api/metadata/base.py};
 * nova-compat.md §1.1), oldest first; {@code latest} is the newest. Checks compare list positions.
 */
enum Ec2Version {
    V1_0("1.0"),
    V2007_01_19("2007-01-19"),
    V2007_03_01("2007-03-01"),
    V2007_08_29("2007-08-29"),
    V2007_10_10("2007-10-10"),
    V2007_12_15("2007-12-15"),
    V2008_02_01("2008-02-01"),
    V2008_09_01("2008-09-01"),
    V2009_04_04("2009-04-04");

    static final String LATEST = "latest";
    static final Ec2Version NEWEST = V2009_04_04;

    private final String text;

    Ec2Version(String text) {
        this.text = text;
    }

    String text() {
        return text;
    }

    boolean atLeast(Ec2Version required) {
        return compareTo(required) >= 0;
    }

    static Optional<Ec2Version> parse(String token) {
        if (LATEST.equals(token)) {
            return Optional.of(NEWEST);
        }
        for (Ec2Version v : values()) {
            if (v.text.equals(token)) {
                return Optional.of(v);
            }
        }
        return Optional.empty();
    }
}
