package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReservationIdsTest {

    @Test
    void derivedIdsHaveNovasFormAndAreStable() {
        UUID id = UUID.fromString("83679162-1378-4288-a2d4-70e13ec132aa");
        String derived = ReservationIds.derive(id);
        assertTrue(derived.matches("r-[0-9a-z]{8}"), derived);
        assertEquals(derived, ReservationIds.derive(UUID.fromString("83679162-1378-4288-A2D4-70E13EC132AA")));
    }

    @Test
    void theEdgesOfTheUuidSpace() {
        assertEquals("r-00000000", ReservationIds.derive(new UUID(0, 0)));
        // 2^128 ≡ 4 (mod 36) (≡ 0 mod 4, ≡ 4 mod 9), so the lowest base-36 digit of 2^128 - 1 is 3
        assertTrue(ReservationIds.derive(new UUID(-1, -1)).startsWith("r-3"));
        assertEquals("r-10000000", ReservationIds.derive(new UUID(0, 1)));
        assertEquals("r-01000000", ReservationIds.derive(new UUID(0, 36)));
    }

    @Test
    void randomUuidsSpreadOut() {
        Set<String> ids = new HashSet<>();
        java.util.Random random = new java.util.Random(7);
        for (int i = 0; i < 10_000; i++) {
            ids.add(ReservationIds.derive(new UUID(random.nextLong(), random.nextLong())));
        }
        assertTrue(ids.size() > 9_990, "collisions: " + (10_000 - ids.size()));
    }
}
