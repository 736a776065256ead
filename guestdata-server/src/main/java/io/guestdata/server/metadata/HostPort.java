package io.guestdata.server.metadata;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * {@code HOST:PORT} as every listener and upstream setting takes it ({@code serve}, {@code proxy}, the
 * development server): the host an IP address literal, {@code [V6]:PORT} for IPv6 (a scope such as
 * {@code [fe80::a9fe:a9fe%eth0]:80} is kept), the port 0–65535. Host names are refused, never resolved.
 * The one parser: the messages are the same wherever the text came from; callers prefix what gave it.
 */
public final class HostPort {
    private static final Pattern PORT = Pattern.compile("[0-9]{1,5}");

    private HostPort() {
    }

    /**
     * The address {@code text} names.
     *
     * @throws IllegalArgumentException the text is not {@code HOST:PORT} as above; the message says why
     */
    public static InetSocketAddress parse(String text) {
        return parse(text, "");
    }

    /**
     * {@link #parse(String)} for a setting that also takes other words, which the message for text
     * that is not {@code HOST:PORT} at all lists ({@code "none"}).
     */
    public static InetSocketAddress parse(String text, String alsoAccepted) {
        String t = text.strip();
        int colon = t.lastIndexOf(':');
        if (colon <= 0) {
            throw new IllegalArgumentException("expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775)"
                    + (alsoAccepted.isEmpty() ? "" : " or " + alsoAccepted) + ", got '" + t + "'");
        }
        String host = t.substring(0, colon);
        String port = t.substring(colon + 1);
        if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("port must be a number 0-65535, got '" + port + "'");
        }
        boolean bracketed = host.startsWith("[") && host.endsWith("]");
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            throw new IllegalArgumentException("write an IPv6 address in brackets: [" + host + "]:" + port);
        }
        return new InetSocketAddress(address(host, bracketed), Integer.parseInt(port));
    }

    private static InetAddress address(String host, boolean bracketed) {
        String notAnAddress = "'" + host + "' is not an IP address (host names are not resolved)";
        if (!bracketed) {
            return IpAddressText.parse(host).orElseThrow(() -> new IllegalArgumentException(notAnAddress));
        }
        try {
            return Inet6Address.ofLiteral(host);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(notAnAddress);
        }
    }
}
