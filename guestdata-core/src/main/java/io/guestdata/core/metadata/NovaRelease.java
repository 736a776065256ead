package io.guestdata.core.metadata;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The Nova release whose guest-visible behaviour a tree follows, and the one place each difference between the
 * releases is decided (docs/nova-releases.md, whose rows are cited): Nova 26.2.2 (2022.2 Zed, Debian 12) or Nova
 * 31.0.0 (2025.1 Epoxy, Debian 13), each proven against that release's own code.
 */
public enum NovaRelease {
    NOVA_26("26", "26.2.2", OpenStackVersion.VICTORIA, true),
    NOVA_31("31", "31.0.0", OpenStackVersion.EPOXY, false);

    /**
     * Nova 31: the release today's clouds run (2025.1 and later; Nova 26 (Zed) is out of maintenance), so a
     * guest image tested on a current cloud sees here what it sees there.
     */
    public static final NovaRelease DEFAULT = NOVA_31;

    private final String number;
    private final String version;
    private final OpenStackVersion newestOpenStackVersion;
    private final boolean dhcpServerWithoutDhcpPort;

    NovaRelease(String number, String version, OpenStackVersion newestOpenStackVersion,
                boolean dhcpServerWithoutDhcpPort) {
        this.number = number;
        this.version = version;
        this.newestOpenStackVersion = newestOpenStackVersion;
        this.dhcpServerWithoutDhcpPort = dhcpServerWithoutDhcpPort;
    }

    /** The setting's value: {@code 26} or {@code 31}. */
    public String number() {
        return number;
    }

    /** Nova's {@code version_string_with_package()}, e.g. {@code 31.0.0} (SMBIOS system version). */
    public String version() {
        return version;
    }

    /**
     * The newest OpenStack version, which {@code latest} is (rows 1, 2): 2020-10-14 in Nova 26; 2025-04-04 in
     * Nova 31, listed in {@code /openstack} and written to the drive.
     */
    OpenStackVersion newestOpenStackVersion() {
        return newestOpenStackVersion;
    }

    /**
     * Whether a DHCP-enabled subnet without a Neutron DHCP port (OVN's native DHCP) gets {@code dhcp_server}
     * meta (rows 4, 5). Nova 26: yes, the gateway as a fallback, which nulls the link's {@code mtu} in
     * {@code network_data.json} and makes the interfaces template skip the link, exactly as a DHCP agent's port
     * does. Nova 31 (bug 2055245): no, it sets {@code enable_dhcp} instead, so the mtu is kept and the template
     * renders the port's fixed IP as a static address. In an instance document, a DHCP network on a link with an
     * {@code mtu} is such a subnet: only Nova 31 prints one (a DHCP port's {@code dhcp_server} nulls it in both).
     */
    boolean dhcpServerWithoutDhcpPort() {
        return dhcpServerWithoutDhcpPort;
    }

    /**
     * The release named {@code text} ({@code 26} or {@code 31}).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static NovaRelease parse(String text) {
        for (NovaRelease r : values()) {
            if (r.number.equals(text.strip())) {
                return r;
            }
        }
        throw new IllegalArgumentException("must be one of " + numbers() + " (the Nova release guests see), got '"
                + text + "'");
    }

    /** {@code 26|31}. */
    public static String numbers() {
        return Arrays.stream(values()).map(NovaRelease::number).collect(Collectors.joining("|"));
    }

    @Override
    public String toString() {
        return number;
    }
}
