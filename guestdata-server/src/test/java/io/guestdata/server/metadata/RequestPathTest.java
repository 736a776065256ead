package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Percent-decoding as eventlet's unquote(latin-1) followed by WebOb's UTF-8 decoding. */
class RequestPathTest {
    @Test
    void decodes() {
        assertEquals(Optional.of("/latest/meta-data/../user-data"), RequestPath.decode("/latest/meta-data/%2e%2E/user-data"));
        assertEquals(Optional.of("/latest/meta-data/instance-id"), RequestPath.decode("/latest%2Fmeta-data%2finstance-id"));
        assertEquals(Optional.of("/é"), RequestPath.decode("/%C3%A9"));
        assertEquals(Optional.of("/\0"), RequestPath.decode("/%00"));
        // '%' not followed by two hex digits stays, as in urllib.parse.unquote
        assertEquals(Optional.of("/%zz/%/%4"), RequestPath.decode("/%zz/%/%4"));
        assertEquals(Optional.of("/%41"), RequestPath.decode("/%2541"));
    }

    @Test
    void refusesWhatNovaCannotDecode() {
        assertTrue(RequestPath.decode("/%ff").isEmpty(), "not UTF-8: Nova raises (a 500)");
        assertTrue(RequestPath.decode("/%C3").isEmpty());
        assertTrue(RequestPath.decode("/a b").isEmpty());
        assertTrue(RequestPath.decode("/\u00e9").isEmpty());
        assertTrue(RequestPath.decode("/\u007f").isEmpty());
    }
}
