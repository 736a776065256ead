package io.guestdata.inject.net;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.util.HexFormat;

import io.guestdata.inject.DiskTargetSyntaxException;

/**
 * What the NBD and iSCSI URI parsers share: RFC 3986 percent-decoding (§2.1) into UTF-8, percent-encoding for the
 * canonical form, and a {@code HOST[:PORT]} authority (§3.2.2, IPv6 literals in brackets).
 */
final class UriText {
    /** Characters a path may hold unencoded (RFC 3986 §3.3: pchar and '/'). */
    private static final String PATH_SAFE = "-._~!$&'()*+,;=:@/";

    private UriText() {
    }

    /** A URI cut after its scheme: {@code scheme} and what follows {@code ://}. */
    record Schemed(String scheme, String rest) {
    }

    /**
     * Cuts {@code uri} after its scheme, which must be one of {@code schemes} (in lowercase, as QEMU and libiscsi
     * compare them).
     *
     * @param what how messages name the parser ({@code "nbd"})
     */
    static Schemed scheme(String what, String uri, java.util.Set<String> schemes, String syntax) {
        int sep = uri.indexOf("://");
        String scheme = sep < 0 ? "" : uri.substring(0, sep);
        if (!schemes.contains(scheme)) {
            throw new DiskTargetSyntaxException(what + ": the scheme '" + scheme + "' is not one of "
                    + String.join(", ", new java.util.TreeSet<>(schemes)) + " (in lowercase); expected " + syntax);
        }
        return new Schemed(scheme, uri.substring(sep + 3));
    }

    /** A host and port: {@code host} without brackets; {@code port} -1 when not given. */
    record HostPort(String host, int port) {
        /** {@code HOST:PORT}, an IPv6 address in brackets. */
        String text(int defaultPort) {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + (port < 0 ? defaultPort : port);
        }
    }

    /**
     * Decodes {@code %XX} escapes; the bytes must be UTF-8.
     *
     * @throws DiskTargetSyntaxException a malformed escape or bytes that are not UTF-8, naming {@code what}
     */
    static String decode(String what, String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%') {
                if (i + 2 >= s.length() || !HexFormat.isHexDigit(s.charAt(i + 1)) || !HexFormat.isHexDigit(s.charAt(i + 2))) {
                    throw new DiskTargetSyntaxException(what + ": '%' must start an escape of two hex digits (%XX);"
                            + " write %25 for '%'");
                }
                bytes.write(HexFormat.fromHexDigits(s, i + 1, i + 3));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DiskTargetSyntaxException(what + ": the %XX escapes are not UTF-8");
        }
    }

    /** Percent-encodes all but unreserved characters and {@code PATH_SAFE} (so {@code decode(encode(s)) == s}). */
    static String encode(String s) {
        StringBuilder b = new StringBuilder();
        for (byte x : s.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || PATH_SAFE.indexOf(c) >= 0)) {
                b.append((char) c);
            } else {
                b.append('%').append(HexFormat.of().withUpperCase().toHexDigits((byte) c));
            }
        }
        return b.toString();
    }

    /** As {@link #encode}, and {@code &} and {@code ;} too: a query parameter's value. */
    static String encodeQueryValue(String s) {
        return encode(s).replace("&", "%26").replace(";", "%3B");
    }

    /**
     * {@code HOST}, {@code HOST:PORT}, {@code [IPV6]} or {@code [IPV6]:PORT}: a host name or IPv4 address of letters,
     * digits, '.', '-' and '_', or an IPv6 literal; a port of 1 to 65535.
     *
     * @param what how messages name the part ({@code "nbd: host"})
     */
    static HostPort hostPort(String what, String authority, String expected) {
        String host;
        String rest;
        if (authority.startsWith("[")) {
            int close = authority.indexOf(']');
            if (close < 0) {
                throw new DiskTargetSyntaxException(what + " '" + authority + "': '[' opens an IPv6 address that no"
                        + " ']' closes; expected " + expected);
            }
            host = authority.substring(1, close);
            rest = authority.substring(close + 1);
            if (!host.matches("[0-9A-Fa-f:.]+") || !host.contains(":")) {
                throw new DiskTargetSyntaxException(what + " '" + authority + "': '" + host + "' is not an IPv6"
                        + " address; expected " + expected);
            }
        } else {
            int colon = authority.indexOf(':');
            host = colon < 0 ? authority : authority.substring(0, colon);
            rest = colon < 0 ? "" : authority.substring(colon);
            if (host.isEmpty()) {
                throw new DiskTargetSyntaxException(what + " is empty; expected " + expected);
            }
            if (!host.matches("[A-Za-z0-9._-]+")) {
                throw new DiskTargetSyntaxException(what + " '" + host + "' is not a host name or an IP address"
                        + " (letters, digits, '.', '-', '_'; an IPv6 address in brackets); expected " + expected);
            }
        }
        if (rest.isEmpty()) {
            return new HostPort(host, -1);
        }
        if (!rest.startsWith(":")) {
            throw new DiskTargetSyntaxException(what + " '" + authority + "': expected ':PORT' after the IPv6"
                    + " address, got '" + rest + "'");
        }
        String port = rest.substring(1);
        if (!port.matches("[0-9]{1,5}") || Integer.parseInt(port) < 1 || Integer.parseInt(port) > 65535) {
            throw new DiskTargetSyntaxException(what + " '" + authority + "': the port '" + port + "' is not a"
                    + " number from 1 to 65535");
        }
        return new HostPort(host, Integer.parseInt(port));
    }
}
