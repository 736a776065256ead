package io.guestdata.core.metadata;

import java.util.Optional;

/**
 * The files of an OpenStack version folder (nova-compat.md §1.3, §1.8), in Nova's order, and from which
 * {@link OpenStackVersion} each exists: the one table of which file exists in which version, read by the
 * {@code /openstack/<version>} listing, the config drive and the lookup.
 */
enum OpenStackFile {
    META_DATA("meta_data.json", OpenStackVersion.FOLSOM, true),
    /** Only when the instance has user data. */
    USER_DATA("user_data", OpenStackVersion.FOLSOM, true),
    /** The metadata service's password endpoint; never on a drive. */
    PASSWORD("password", OpenStackVersion.GRIZZLY, false),
    VENDOR_DATA("vendor_data.json", OpenStackVersion.HAVANA, true),
    /** Listed from 2015-10-15, but served in every version (Nova does not gate it on fetch, §10.6). */
    NETWORK_DATA("network_data.json", OpenStackVersion.LIBERTY, true),
    VENDOR_DATA2("vendor_data2.json", OpenStackVersion.NEWTON_TWO, true);

    private final String fileName;
    private final OpenStackVersion since;
    private final boolean onConfigDrive;

    OpenStackFile(String fileName, OpenStackVersion since, boolean onConfigDrive) {
        this.fileName = fileName;
        this.since = since;
        this.onConfigDrive = onConfigDrive;
    }

    String fileName() {
        return fileName;
    }

    boolean onConfigDrive() {
        return onConfigDrive;
    }

    /** Whether {@code version}'s listing (and drive folder) has it; user data only when there is some. */
    boolean listedIn(OpenStackVersion version, boolean hasUserData) {
        return version.atLeast(since) && (this != USER_DATA || hasUserData);
    }

    /** Whether a request for it in {@code version} is answered (else 404). */
    boolean servedIn(OpenStackVersion version) {
        return this == NETWORK_DATA || version.atLeast(since);
    }

    static Optional<OpenStackFile> named(String name) {
        for (OpenStackFile f : values()) {
            if (f.fileName.equals(name)) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }
}
