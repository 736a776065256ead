package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Inet4Address;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpAddressTextTest {
    @Test
    void parsesLiteralsOnlyNeverNames() {
        for (String bad : List.of("", "localhost", "example.org", "1.2.3", "1.2.3.4.5", "01.2.3.4", "0x7f.0.0.1",
                "256.0.0.1", "1.2.3.4 ", " 1.2.3.4", "::g", "1::2::3", "[::1]")) {
            assertTrue(IpAddressText.parse(bad).isEmpty(), bad);
        }
        assertEquals("10.0.0.5", IpAddressText.format(IpAddressText.parse("10.0.0.5").orElseThrow()));
        assertTrue(IpAddressText.parse("::ffff:10.0.0.5").orElseThrow() instanceof Inet4Address);
    }

    @Test
    void formatsIpv6AsInetNtop() {
        // glibc inet_ntop / Python ipaddress: lowercase, longest zero run (first on a tie, length >= 2) as "::"
        assertEquals("fd00::5", fmt("fd00:0:0:0:0:0:0:5"));
        assertEquals("::1", fmt("0:0:0:0:0:0:0:1"));
        assertEquals("::", fmt("::"));
        assertEquals("2001:db8:0:1:1:1:1:1", fmt("2001:db8:0:1:1:1:1:1"));
        assertEquals("2001:db8::1:0:0:1", fmt("2001:db8:0:0:1:0:0:1"));
        assertEquals("2001:0:0:1::1", fmt("2001:0:0:1:0:0:0:1"));
        assertEquals("fe80::abcd", fmt("FE80::ABCD%eth0"));
        assertEquals("1::", fmt("1:0:0:0:0:0:0:0"));
    }

    private static String fmt(String s) {
        return IpAddressText.format(IpAddressText.parse(s).orElseThrow());
    }
}
