package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class MetadataTokensTest {
    private static final UUID A = UUID.fromString("b65cee2f-8c69-4aeb-be2f-f79742548fc2");
    private static final UUID B = UUID.fromString("d4c9e2a1-0b7f-4e3d-9c21-6a5b4c3d2e1f");
    private static final byte[] KEY = new byte[32];

    @Test
    void aTokenIsBoundToItsInstanceAndItsExpiry() {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        MetadataTokens issuer = new MetadataTokens(KEY, Clock.fixed(now, ZoneOffset.UTC), new SecureRandom());
        String token = issuer.issue(A, 60);
        assertEquals(76, token.length());
        assertTrue(issuer.valid(token, A));
        assertFalse(issuer.valid(token, B), "another instance's token");
        assertNotEquals(token, issuer.issue(A, 60), "tokens are random");
        assertTrue(new MetadataTokens(KEY, Clock.fixed(now.plusSeconds(59), ZoneOffset.UTC), new SecureRandom()).valid(token, A));
        assertFalse(new MetadataTokens(KEY, Clock.fixed(now.plusSeconds(60), ZoneOffset.UTC), new SecureRandom()).valid(token, A));
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        assertFalse(new MetadataTokens(otherKey, Clock.fixed(now, ZoneOffset.UTC), new SecureRandom()).valid(token, A));
    }

    @Test
    void tamperedOrMalformedTokensAreInvalid() {
        MetadataTokens issuer = new MetadataTokens(KEY, Clock.systemUTC(), new SecureRandom());
        String token = issuer.issue(A, 100);
        char[] c = token.toCharArray();
        for (int i = 0; i < c.length; i++) {
            char[] t = c.clone();
            t[i] = t[i] == 'A' ? 'B' : 'A';
            assertFalse(issuer.valid(new String(t), A), "changed at " + i);
        }
        for (String bad : new String[] {null, "", "x", token + "A", token.substring(1), "!" + token.substring(1), "a".repeat(500)}) {
            assertFalse(issuer.valid(bad, A), String.valueOf(bad));
        }
    }

    @Test
    void ttlHeaderAsAws() {
        assertEquals(1, MetadataTokens.ttlSeconds("1"));
        assertEquals(21600, MetadataTokens.ttlSeconds("21600"));
        for (String bad : new String[] {null, "", "0", "21601", "-1", "+5", " 5", "5 ", "1e3", "999999", "abc"}) {
            assertEquals(-1, MetadataTokens.ttlSeconds(bad), String.valueOf(bad));
        }
    }
}
