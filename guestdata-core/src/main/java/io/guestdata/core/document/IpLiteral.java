package io.guestdata.core.document;

import java.util.Optional;

/**
 * An IP address written as a literal, parsed without ever asking a resolver: this is text
 * checking, not {@code InetAddress.getByName}. The accepted forms are those Python's
 * {@code ipaddress} accepts (and so what cloud-init and Nova produce):
 * <ul>
 *   <li>IPv4: four decimal parts 0..255 separated by dots, no leading zeros (RFC 6943 §3.1.1's
 *       strict dotted-decimal form; {@code 010.0.0.1} is refused as ambiguous);</li>
 *   <li>IPv6: RFC 4291 §2.2 text: up to eight groups of 1..4 hex digits, at most one {@code ::},
 *       optionally ending in an IPv4 dotted quad; no zone ({@code %eth0}), no brackets.</li>
 * </ul>
 *
 * @param family 4 or 6
 * @param bytes  the address, 4 or 16 bytes
 */
record IpLiteral(int family, byte[] bytes) {

    static Optional<IpLiteral> parse(String text) {
        if (text.indexOf(':') >= 0) {
            return parseV6(text).map(b -> new IpLiteral(6, b));
        }
        return parseV4(text).map(b -> new IpLiteral(4, b));
    }

    /** Whether this address is a netmask: ones from the top, then zeros only. */
    boolean isContiguousMask() {
        boolean seenZero = false;
        for (byte b : bytes) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean one = ((b >> bit) & 1) == 1;
                if (one && seenZero) {
                    return false;
                }
                seenZero |= !one;
            }
        }
        return true;
    }

    static Optional<byte[]> parseV4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return Optional.empty();
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String part = parts[i];
            if (part.isEmpty() || part.length() > 3 || (part.length() > 1 && part.charAt(0) == '0')
                    || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Optional.empty();
            }
            int value = Integer.parseInt(part);
            if (value > 255) {
                return Optional.empty();
            }
            out[i] = (byte) value;
        }
        return Optional.of(out);
    }

    static Optional<byte[]> parseV6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return Optional.empty();
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        Optional<int[]> headGroups = groups(head, gap < 0);
        Optional<int[]> tailGroups = groups(tail, true);
        if (headGroups.isEmpty() || tailGroups.isEmpty()) {
            return Optional.empty();
        }
        int[] h = headGroups.get();
        int[] t = gap >= 0 ? tailGroups.get() : new int[0];
        int total = h.length + t.length;
        if (gap >= 0 ? total > 7 : total != 8) {
            return Optional.empty();
        }
        int[] all = new int[8];
        System.arraycopy(h, 0, all, 0, h.length);
        System.arraycopy(t, 0, all, 8 - t.length, t.length);
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[2 * i] = (byte) (all[i] >> 8);
            out[2 * i + 1] = (byte) all[i];
        }
        return Optional.of(out);
    }

    /**
     * The 16-bit groups of one side of a {@code ::}; an IPv4 dotted quad may end the last side
     * and counts as two groups.
     */
    private static Optional<int[]> groups(String side, boolean mayEndInV4) {
        if (side.isEmpty()) {
            return Optional.of(new int[0]);
        }
        String[] parts = side.split(":", -1);
        int count = parts.length;
        boolean v4 = mayEndInV4 && parts[count - 1].indexOf('.') >= 0;
        int[] out = new int[count + (v4 ? 1 : 0)];
        for (int i = 0; i < count; i++) {
            String part = parts[i];
            if (v4 && i == count - 1) {
                Optional<byte[]> quad = parseV4(part);
                if (quad.isEmpty()) {
                    return Optional.empty();
                }
                byte[] q = quad.get();
                out[i] = ((q[0] & 0xFF) << 8) | (q[1] & 0xFF);
                out[i + 1] = ((q[2] & 0xFF) << 8) | (q[3] & 0xFF);
                continue;
            }
            if (part.isEmpty() || part.length() > 4 || !part.chars().allMatch(IpLiteral::isHexDigit)) {
                return Optional.empty();
            }
            out[i] = Integer.parseInt(part, 16);
        }
        return Optional.of(out);
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
