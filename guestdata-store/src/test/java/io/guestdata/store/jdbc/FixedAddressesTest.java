package io.guestdata.store.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The canonical address forms of the index (RFC 5952 §4 for IPv6). */
class FixedAddressesTest {

    @ParameterizedTest
    @CsvSource({
            "10.0.0.5, 10.0.0.5",
            "255.255.255.255, 255.255.255.255",
            "::ffff:10.0.0.5, 10.0.0.5",
            "::ffff:a00:5, 10.0.0.5",
            "2001:DB8::1, 2001:db8::1",
            "2001:0db8:0000:0000:0000:0000:0000:0001, 2001:db8::1",
            "2001:db8:0:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
            "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
            "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
            "::, ::",
            "::1, ::1",
            "fe80::, fe80::",
            "1:0:0:0:0:0:0:0, 1::",
            "::2:3:4:5:6:7:8, 0:2:3:4:5:6:7:8", // one zero group is not shortened (RFC 5952 §4.2.2)
            "::10.0.0.1, ::a00:1",
    })
    void canonicalForms(String text, String canonical) {
        assertEquals(Optional.of(canonical), FixedAddresses.canonical(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "localhost", "10.0.0", "10.1", "010.0.0.1", "10.0.0.256", "[::1]", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9",
            "::ffff:10.0.0.256", "10.0.0.1 "})
    void notLiterals(String text) {
        assertEquals(Optional.empty(), FixedAddresses.canonical(text));
    }
}
