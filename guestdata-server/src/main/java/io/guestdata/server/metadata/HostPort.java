package io.guestdata.server.metadata;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.regex.Pattern;

/**
 * {@code HOST:PORT} as every listener and upstream setting takes it ({@code serve}, {@code proxy}, the
 * development server): the host an IP address literal, {@code [V6]:PORT} for IPv6, the port 0–65535. Host names
 * are refused, never resolved. A link-local IPv6 address ({@code fe80::/10}, e.g. Neutron's metadata address
 * {@code fe80::a9fe:a9fe}) is only an address together with its link, so it must name one: an interface
 * ({@code [fe80::a9fe:a9fe%tap0]:80}; the interface must exist, with an IPv6 address, when the text is read) or
 * an interface index ({@code %3}); the scope is kept. The one parser: the messages are the same wherever the
 * text came from; callers prefix what gave it.
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
        // [V6]:PORT splits at the bracket, never at a colon inside it
        int colon = t.startsWith("[") ? t.indexOf("]:") + 1 : t.lastIndexOf(':');
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
        int zone = host.indexOf('%');
        String bare = zone < 0 ? host : host.substring(0, zone);
        InetAddress unscoped;
        try {
            unscoped = Inet6Address.ofLiteral(bare);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(notAnAddress);
        }
        if (zone < 0) {
            if (unscoped.isLinkLocalAddress()) {
                throw new IllegalArgumentException("the link-local address " + bare + " needs the interface it is on: ["
                        + bare + "%INTERFACE]");
            }
            return unscoped;
        }
        try {
            return Inet6Address.ofLiteral(host); // resolves an interface name to its index, now
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + host.substring(zone + 1) + "' in " + host + " is not an interface "
                    + "of this host with an IPv6 address, nor an interface index");
        }
    }

    /**
     * {@code address} as {@link #parse} reads it: {@code 10.0.0.1:80}, {@code [fd00::1]:80},
     * {@code [fe80::a9fe:a9fe%tap0]:80} (the interface's name when known, else its index).
     */
    public static String format(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (!(ip instanceof Inet6Address v6)) {
            return IpAddressText.format(ip) + ":" + address.getPort();
        }
        String scope = v6.getScopedInterface() != null ? "%" + v6.getScopedInterface().getName()
                : v6.getScopeId() != 0 ? "%" + v6.getScopeId() : "";
        return "[" + IpAddressText.format(v6) + scope + "]:" + address.getPort();
    }
}
