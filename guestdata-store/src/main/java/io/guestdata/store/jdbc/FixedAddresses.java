package io.guestdata.store.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import io.guestdata.store.StoreException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The fixed addresses of an instance, in the one canonical text form the address index stores and
 * looks up: the {@code ip_address} of every network in its {@code network_data} (the static
 * addresses Neutron would report as the port's fixed IPs, by which Nova's metadata service finds the
 * instance behind a request's source address).
 *
 * <p>Canonical form: IPv4 dotted decimal; IPv6 as RFC 5952 §4 recommends (lowercase, no leading
 * zeros, the longest run of two or more zero groups as {@code ::}, the first when two are equally
 * long). An IPv4-mapped IPv6 address ({@code ::ffff:a.b.c.d}) is its IPv4 address: that is how a
 * dual-stack socket reports an IPv4 peer.
 */
final class FixedAddresses {

    private FixedAddresses() {
    }

    /** The instance's fixed addresses, canonical, sorted, without duplicates. */
    static SortedSet<String> of(Instance instance) {
        SortedSet<String> addresses = new TreeSet<>();
        Optional<JsonNode> networks = instance.networkData().map(n -> n.get("networks"));
        if (networks.isEmpty() || networks.get() == null || !networks.get().isArray()) {
            return addresses;
        }
        for (JsonNode network : networks.get()) {
            JsonNode address = network.get("ip_address");
            if (address != null && address.isTextual()) {
                // The parser has checked the literal; a failure here is a bug, not bad input.
                addresses.add(canonical(address.textValue()).orElseThrow(() -> new IllegalStateException(
                        "the document parser accepted ip_address '" + address.textValue() + "'")));
            }
        }
        return addresses;
    }

    /**
     * The canonical form of an address a caller looks up.
     *
     * @throws StoreException.Invalid when {@code text} is not an IP literal
     */
    static String lookupKey(String text) {
        return canonical(text).orElseThrow(() -> new StoreException.Invalid("address", "address.literal",
                "'" + abbreviate(text) + "' is not an IPv4 or IPv6 address literal"));
    }

    /** The canonical form, or empty when {@code text} is not an IP literal (names are never resolved). */
    static Optional<String> canonical(String text) {
        if (text.isEmpty() || text.indexOf('%') >= 0 || text.startsWith("[")
                || (text.indexOf(':') < 0 && !isDottedQuad(text))) {
            return Optional.empty();
        }
        InetAddress address;
        try {
            address = InetAddress.ofLiteral(text);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address) {
            return Optional.of(address.getHostAddress());
        }
        if (isIpv4Mapped(bytes)) {
            return Optional.of((bytes[12] & 0xff) + "." + (bytes[13] & 0xff) + "." + (bytes[14] & 0xff) + "."
                    + (bytes[15] & 0xff));
        }
        return Optional.of(ipv6(bytes));
    }

    /**
     * Four decimal parts 0..255 without leading zeros, as Python's {@code ipaddress} (and so Nova and
     * cloud-init) accepts. {@link InetAddress#ofLiteral} also takes the BSD forms {@code 10.1} and
     * {@code 10.0.0}, which are refused here.
     */
    private static boolean isDottedQuad(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return false;
        }
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9') || Integer.parseInt(part) > 255) {
                return false;
            }
        }
        return true;
    }

    /** {@code ::ffff:0:0/96} (RFC 4291 §2.5.5.2). */
    private static boolean isIpv4Mapped(byte[] bytes) {
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    private static String ipv6(byte[] bytes) {
        int[] groups = new int[8];
        for (int i = 0; i < 8; i++) {
            groups[i] = ((bytes[2 * i] & 0xff) << 8) | (bytes[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not shortened (RFC 5952 §4.2.2)
        for (int i = 0; i < 8; ) {
            if (groups[i] != 0) {
                i++;
                continue;
            }
            int start = i;
            while (i < 8 && groups[i] == 0) {
                i++;
            }
            if (i - start > bestLength) {
                bestStart = start;
                bestLength = i - start;
            }
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                text.append("::");
                i += bestLength - 1;
                continue;
            }
            if (!text.isEmpty() && text.charAt(text.length() - 1) != ':') {
                text.append(':');
            }
            text.append(Integer.toHexString(groups[i]));
        }
        return text.toString();
    }

    private static String abbreviate(String text) {
        return text.length() <= 64 ? text : text.substring(0, 61) + "...";
    }
}
