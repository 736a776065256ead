package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.StringJoiner;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;

/**
 * {@link HostPort}: what {@code format} writes {@code parse} reads back to the same socket address, and any way of
 * writing an address literal (IPv6 in full, unabbreviated) parses to the address Java makes of its bytes.
 */
class HostPortPropertyTest {

    @Property
    void ipv4RoundTrips(@ForAll @Size(4) byte[] bytes, @ForAll @IntRange(min = 0, max = 65535) int port)
            throws Exception {
        String text = Byte.toUnsignedInt(bytes[0]) + "." + Byte.toUnsignedInt(bytes[1]) + "."
                + Byte.toUnsignedInt(bytes[2]) + "." + Byte.toUnsignedInt(bytes[3]) + ":" + port;
        InetSocketAddress parsed = HostPort.parse(text);
        assertEquals(new InetSocketAddress(InetAddress.getByAddress(bytes), port), parsed);
        assertEquals(text, HostPort.format(parsed));
    }

    @Property
    void ipv6WrittenInFullParsesToItsBytesAndFormatsCompressedRoundTrip(@ForAll @Size(16) byte[] bytes,
            @ForAll @IntRange(min = 0, max = 65535) int port) throws Exception {
        if ((bytes[0] & 0xff) == 0xfe && (bytes[1] & 0xc0) == 0x80) {
            bytes[0] = (byte) 0xfd; // a link-local address needs its interface: aLinkLocalAddressRoundTripsWithItsIndex
        }
        InetSocketAddress expected = new InetSocketAddress(InetAddress.getByAddress(bytes), port);
        InetSocketAddress parsed = HostPort.parse("[" + fullForm(bytes) + "]:" + port);
        assertEquals(expected, parsed);
        String formatted = HostPort.format(parsed);
        assertEquals(expected, HostPort.parse(formatted));
        assertEquals(formatted, HostPort.format(HostPort.parse(formatted)));
    }

    @Property
    void aLinkLocalAddressRoundTripsWithItsIndex(@ForAll @Size(8) byte[] interfaceId,
            @ForAll @IntRange(min = 1, max = 4096) int index, @ForAll @IntRange(min = 0, max = 65535) int port)
            throws Exception {
        byte[] bytes = new byte[16];
        bytes[0] = (byte) 0xfe;
        bytes[1] = (byte) 0x80;
        System.arraycopy(interfaceId, 0, bytes, 8, 8);
        String text = "[" + fullForm(bytes) + "%" + index + "]:" + port;
        InetSocketAddress parsed = HostPort.parse(text);
        assertEquals(new InetSocketAddress(Inet6Address.getByAddress(null, bytes, index), port), parsed);
        assertEquals(parsed, HostPort.parse(HostPort.format(parsed)));
    }

    /** Eight groups of four hex digits, nothing abbreviated. */
    private static String fullForm(byte[] bytes) {
        StringJoiner groups = new StringJoiner(":");
        for (int i = 0; i < 16; i += 2) {
            groups.add(String.format("%02x%02x", bytes[i], bytes[i + 1]));
        }
        return groups.toString();
    }
}
