package io.guestdata.core.metadata;

import java.util.OptionalInt;
import java.util.OptionalLong;

/** The little address arithmetic the interfaces template needs; literal parsing only, never DNS. */
final class IpAddresses {
    private IpAddresses() {
    }

    /** A dotted-quad IPv4 address as an unsigned 32-bit value. */
    static OptionalLong parseIpv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return OptionalLong.empty();
        }
        long value = 0;
        for (String part : parts) {
            if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return OptionalLong.empty();
            }
            int octet = Integer.parseInt(part);
            if (octet > 255) {
                return OptionalLong.empty();
            }
            value = (value << 8) | octet;
        }
        return OptionalLong.of(value);
    }

    static String formatIpv4(long value) {
        return ((value >> 24) & 0xff) + "." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff) + "." + (value & 0xff);
    }

    static long ipv4Mask(int prefix) {
        return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
    }

    /**
     * The prefix length a netmask stands for: a plain number {@code 0..bits}, or a contiguous mask written
     * as an address (dotted IPv4 when {@code bits} is 32, IPv6 text when 128).
     */
    static OptionalInt prefixLength(String text, int bits) {
        if (!text.isEmpty() && text.length() <= 3 && text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            int prefix = Integer.parseInt(text);
            return prefix <= bits ? OptionalInt.of(prefix) : OptionalInt.empty();
        }
        byte[] mask = bits == 32 ? ipv4Bytes(text) : ipv6Bytes(text);
        if (mask == null) {
            return OptionalInt.empty();
        }
        int prefix = 0;
        boolean ended = false;
        for (byte b : mask) {
            for (int bit = 7; bit >= 0; bit--) {
                boolean set = ((b >> bit) & 1) == 1;
                if (set && ended) {
                    return OptionalInt.empty(); // not contiguous
                }
                if (set) {
                    prefix++;
                } else {
                    ended = true;
                }
            }
        }
        return OptionalInt.of(prefix);
    }

    private static byte[] ipv4Bytes(String text) {
        OptionalLong value = parseIpv4(text);
        if (value.isEmpty()) {
            return null;
        }
        long v = value.getAsLong();
        return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
    }

    /** RFC 4291 §2.2 text forms, including {@code ::} and a trailing dotted IPv4 part. */
    static byte[] ipv6Bytes(String text) {
        int doubleColon = text.indexOf("::");
        if (doubleColon >= 0 && text.indexOf("::", doubleColon + 1) >= 0) {
            return null;
        }
        String head = doubleColon >= 0 ? text.substring(0, doubleColon) : text;
        String tail = doubleColon >= 0 ? text.substring(doubleColon + 2) : "";
        int[] headGroups = groups(head);
        int[] tailGroups = groups(tail);
        if (headGroups == null || tailGroups == null) {
            return null;
        }
        int total = headGroups.length + tailGroups.length;
        if ((doubleColon < 0 && total != 8) || (doubleColon >= 0 && total > 7)) {
            return null;
        }
        byte[] bytes = new byte[16];
        for (int i = 0; i < headGroups.length; i++) {
            bytes[2 * i] = (byte) (headGroups[i] >> 8);
            bytes[2 * i + 1] = (byte) headGroups[i];
        }
        for (int i = 0; i < tailGroups.length; i++) {
            int g = 8 - tailGroups.length + i;
            bytes[2 * g] = (byte) (tailGroups[i] >> 8);
            bytes[2 * g + 1] = (byte) tailGroups[i];
        }
        return bytes;
    }

    private static int[] groups(String part) {
        if (part.isEmpty()) {
            return new int[0];
        }
        String[] texts = part.split(":", -1);
        int last = texts.length - 1;
        boolean embeddedV4 = texts[last].contains(".");
        int[] groups = new int[texts.length + (embeddedV4 ? 1 : 0)];
        for (int i = 0; i < texts.length; i++) {
            String t = texts[i];
            if (i == last && embeddedV4) {
                OptionalLong v4 = parseIpv4(t);
                if (v4.isEmpty()) {
                    return null;
                }
                groups[i] = (int) (v4.getAsLong() >> 16);
                groups[i + 1] = (int) (v4.getAsLong() & 0xffff);
                continue;
            }
            if (t.isEmpty() || t.length() > 4 || !t.chars().allMatch(IpAddresses::isHexDigit)) {
                return null;
            }
            try {
                groups[i] = Integer.parseInt(t, 16);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return groups;
    }

    private static boolean isHexDigit(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
