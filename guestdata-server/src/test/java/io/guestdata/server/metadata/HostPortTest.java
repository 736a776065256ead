package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The one HOST:PORT parser of serve, proxy and the development server. */
class HostPortTest {

    @Test
    void addressesAndPorts() {
        assertEquals(new InetSocketAddress("127.0.0.1", 8775), HostPort.parse("127.0.0.1:8775"));
        assertEquals(new InetSocketAddress("169.254.169.254", 80), HostPort.parse(" 169.254.169.254:80 "));
        assertEquals(new InetSocketAddress("::1", 0), HostPort.parse("[::1]:0"));
        InetSocketAddress scoped = HostPort.parse("[fe80::a9fe:a9fe%1]:80");
        assertEquals(1, ((Inet6Address) scoped.getAddress()).getScopeId(), "the scope of a link-local address is kept");
        assertEquals(65535, HostPort.parse("0.0.0.0:65535").getPort());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "8775|expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775), got '8775'",
        ":8775|expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775), got ':8775'",
        "127.0.0.1:65536|port must be a number 0-65535, got '65536'",
        "127.0.0.1:-1|port must be a number 0-65535, got '-1'",
        "127.0.0.1:http|port must be a number 0-65535, got 'http'",
        "::1:80|write an IPv6 address in brackets: [::1]:80",
        "localhost:80|'localhost' is not an IP address (host names are not resolved)",
        "127.1:80|'127.1' is not an IP address (host names are not resolved)",
        "010.0.0.1:80|'010.0.0.1' is not an IP address (host names are not resolved)",
        "[example.com]:80|'example.com' is not an IP address (host names are not resolved)",
        "[::1]|expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775), got '[::1]'",
        "[::1]80|expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775), got '[::1]80'",
        "[::1]:80:80|port must be a number 0-65535, got '80:80'",
        "[::1]:|port must be a number 0-65535, got ''",
        "127.0.0.1:|port must be a number 0-65535, got ''",
        "127.0.0.1:100000|port must be a number 0-65535, got '100000'",
        "[]:80|'' is not an IP address (host names are not resolved)",
        "fe80::1%eth0:80|write an IPv6 address in brackets: [fe80::1%eth0]:80",
        "127.0.0.1%1:80|'127.0.0.1%1' is not an IP address (host names are not resolved)",
        "[127.0.0.1]:80|'127.0.0.1' is not an IP address (host names are not resolved)",
        "[::1%]:80|'' in ::1% is not an interface of this host with an IPv6 address, nor an interface index",
    })
    void refusalsSayWhy(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
    }

    @Test
    void aLinkLocalAddressNamesItsInterface() {
        assertEquals("the link-local address fe80::a9fe:a9fe needs the interface it is on: [fe80::a9fe:a9fe%INTERFACE]",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[fe80::a9fe:a9fe]:80")).getMessage());
        assertEquals("'gdnosuch0' in fe80::a9fe:a9fe%gdnosuch0 is not an interface of this host with an IPv6 address, "
                        + "nor an interface index",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("[fe80::a9fe:a9fe%gdnosuch0]:80"))
                        .getMessage());
        // Global and loopback addresses need no interface.
        assertEquals(new InetSocketAddress("fd00::1", 80), HostPort.parse("[fd00::1]:80"));
    }

    @Test
    void formatWritesWhatParseReads() {
        for (String text : List.of("127.0.0.1:8775", "[fd00::1]:80", "[::1]:0", "[fe80::a9fe:a9fe%1]:80")) {
            assertEquals(text, HostPort.format(HostPort.parse(text)));
        }
        assertEquals("[fd00::1]:80", HostPort.format(HostPort.parse("[fd00:0:0:0:0:0:0:1]:80")), "compressed");
    }

    @Test
    void aSettingThatTakesOtherWordsListsThem() {
        assertEquals("expected HOST:PORT (an IP address and a port, e.g. 127.0.0.1:8775) or none, got 'off'",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("off", "none")).getMessage());
    }
}
