package io.guestdata.server.metadata;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * IP address literals in and out, never through DNS: {@link InetAddress#getByName} would resolve a host name
 * found in a header, so addresses from requests (and the proxy's mapping) are parsed here.
 */
public final class IpAddressText {
    private static final Pattern DOTTED_QUAD =
            Pattern.compile("(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}");

    private IpAddressText() {
    }

    /**
     * A strict literal: dotted-quad IPv4 (no octal, hex or short forms), or IPv6 (a zone suffix
     * {@code %eth0} is dropped); an IPv4-mapped IPv6 address becomes the IPv4 address.
     */
    public static Optional<InetAddress> parse(String text) {
        if (text == null || text.isEmpty()) {
            return Optional.empty();
        }
        try {
            if (text.indexOf(':') < 0) {
                return DOTTED_QUAD.matcher(text).matches() ? Optional.of(Inet4Address.ofLiteral(text)) : Optional.empty();
            }
            if (text.startsWith("[")) {
                return Optional.empty(); // a URI's bracketed form, not an address literal
            }
            int zone = text.indexOf('%');
            String bare = zone < 0 ? text : text.substring(0, zone);
            InetAddress address = Inet6Address.ofLiteral(bare);
            return Optional.of(address);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * An address without its scope (as the directory and the proxy's mapping index it). An IPv4-mapped IPv6
     * address is already an {@link java.net.Inet4Address} here: Java makes one of every such address it creates.
     */
    public static InetAddress withoutScope(InetAddress address) {
        if (address instanceof Inet6Address v6 && (v6.getScopeId() != 0 || v6.getScopedInterface() != null)) {
            try {
                return InetAddress.getByAddress(v6.getAddress());
            } catch (java.net.UnknownHostException e) {
                throw new IllegalStateException("16 bytes are always an IPv6 address", e);
            }
        }
        return address;
    }

    /**
     * The text a C {@code inet_ntop} gives (what Nova sees as {@code REMOTE_ADDR}): IPv4 dotted quad; IPv6 in
     * lowercase hex with the longest run (the first of equal runs) of two or more zero groups shortened to
     * {@code ::}, RFC 5952.
     */
    public static String format(InetAddress address) {
        if (address instanceof Inet4Address) {
            return address.getHostAddress();
        }
        byte[] b = address.getAddress();
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((b[2 * i] & 0xff) << 8) | (b[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 0;
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && groups[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        if (bestLength < 2) {
            bestStart = -1;
        }
        StringBuilder out = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                out.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!out.isEmpty() && out.charAt(out.length() - 1) != ':') {
                out.append(':');
            }
            out.append(Integer.toHexString(groups[i]));
        }
        return out.toString();
    }
}
