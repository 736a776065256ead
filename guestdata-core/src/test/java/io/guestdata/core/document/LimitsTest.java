package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.KeyPair;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LimitsTest {

    @Test
    void novasDefaults() {
        assertEquals(new Limits(5, 255, 10240, 128, 65535), Limits.nova());
    }

    @Test
    void minusOneIsUnlimitedAndBelowIsRefused() {
        new Limits(-1, -1, -1, -1, -1);
        new Limits(0, 0, 0, 0, 0);
        assertThrows(IllegalArgumentException.class, () -> new Limits(-2, 0, 0, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new Limits(0, 0, 0, 0, -5));
        assertTrue(Limits.exceeds(6, 5));
        assertFalse(Limits.exceeds(5, 5));
        assertFalse(Limits.exceeds(Integer.MAX_VALUE, -1));
        assertTrue(Limits.exceeds(1, 0));
    }

    @Test
    void resolvers() {
        KeyPair a = new KeyPair("a", "ssh", Fixtures.ED25519, Fixtures.ED25519_MD5);
        assertEquals(Optional.of(a), KeyPairResolver.of(a).find("a"));
        assertEquals(Optional.empty(), KeyPairResolver.of(a).find("b"));
        assertEquals(Optional.empty(), KeyPairResolver.none().find("a"));
        assertThrows(IllegalArgumentException.class, () -> KeyPairResolver.of(a, a));
    }
}
