package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

class TrustedProxiesTest {
    private final TrustedProxies proxies = new TrustedProxies(List.of(AddressBlock.parse("192.0.2.0/28"),
            AddressBlock.parse("fd00:1::/64")));

    @Test
    void anUntrustedPeerIsTheClientWhateverItClaims() throws Exception {
        TrustedProxies.Client.Found c = found(proxies.client(ip("10.0.0.5"), List.of("10.0.0.9")));
        assertEquals(ip("10.0.0.5"), c.address());
        assertEquals(true, c.forwardedByGuest());
        assertEquals(ip("10.0.0.5"), found(TrustedProxies.none().client(ip("10.0.0.5"), List.of("10.0.0.9"))).address());
    }

    @Test
    void aTrustedPeerIsBelievedReadingFromTheRight() throws Exception {
        assertEquals(ip("10.0.0.5"), found(proxies.client(ip("192.0.2.1"), List.of("10.0.0.5"))).address());
        // the guest sent its own header: what it wrote is left of what the proxy appended
        TrustedProxies.Client.Found c = found(proxies.client(ip("192.0.2.1"), List.of("10.0.0.9, 10.0.0.5")));
        assertEquals(ip("10.0.0.5"), c.address());
        assertEquals(true, c.forwardedByGuest());
        // two trusted proxies in a row
        assertEquals(ip("10.0.0.5"), found(proxies.client(ip("192.0.2.1"), List.of("10.0.0.5", "192.0.2.2"))).address());
        assertEquals(false, found(proxies.client(ip("192.0.2.1"), List.of("10.0.0.5", "192.0.2.2"))).forwardedByGuest());
        // garbage left of the client is never parsed
        assertEquals(ip("10.0.0.5"), found(proxies.client(ip("192.0.2.1"), List.of("evil<>, 10.0.0.5"))).address());
        // IPv6, with a zone, and an IPv4-mapped address
        assertEquals(ip("fd00::5"), found(proxies.client(ip("fd00:1::1"), List.of("fd00::5%eth0"))).address());
        assertEquals(ip("10.0.0.5"), found(proxies.client(ip("192.0.2.1"), List.of("::ffff:10.0.0.5"))).address());
    }

    @Test
    void aTrustedPeerWithoutHeaderOrOnlyProxiesIsItself() throws Exception {
        assertEquals(ip("192.0.2.1"), found(proxies.client(ip("192.0.2.1"), List.of())).address());
        assertEquals(ip("192.0.2.3"), found(proxies.client(ip("192.0.2.1"), List.of("192.0.2.3"))).address());
    }

    @Test
    void malformedRightPartIsRefused() throws Exception {
        assertInstanceOf(TrustedProxies.Client.Malformed.class, proxies.client(ip("192.0.2.1"), List.of("10.0.0.5, host.example")));
        assertInstanceOf(TrustedProxies.Client.Malformed.class, proxies.client(ip("192.0.2.1"), List.of("")));
        assertInstanceOf(TrustedProxies.Client.Malformed.class, proxies.client(ip("192.0.2.1"), List.of("010.0.0.5")));
    }

    @Test
    void blocks() throws Exception {
        assertEquals("192.0.2.0/28", AddressBlock.parse("192.0.2.0/28").toString());
        assertEquals("10.0.0.1/32", AddressBlock.parse("10.0.0.1").toString());
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("192.0.2.1/28"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("192.0.2.0/33"));
        assertThrows(IllegalArgumentException.class, () -> AddressBlock.parse("example.org"));
        assertEquals(true, AddressBlock.parse("0.0.0.0/0").contains(ip("8.8.8.8")));
        assertEquals(false, AddressBlock.parse("0.0.0.0/0").contains(ip("::1")));
        assertEquals(true, AddressBlock.parse("fd00::/8").contains(ip("fdff::1")));
    }

    private static TrustedProxies.Client.Found found(TrustedProxies.Client c) {
        return assertInstanceOf(TrustedProxies.Client.Found.class, c);
    }

    private static InetAddress ip(String s) {
        return IpAddressText.parse(s).orElseThrow();
    }
}
