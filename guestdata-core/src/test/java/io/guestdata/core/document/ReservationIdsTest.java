package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class ReservationIdsTest {

    @Test
    void derivedIdsHaveNovasFormAndAreStable() {
        UUID id = UUID.fromString("83679162-1378-4288-a2d4-70e13ec132aa");
        String derived = ReservationIds.derive(id);
        assertTrue(derived.matches(ReservationIds.PATTERN), derived);
        assertEquals("r-83679162", derived);
        assertEquals(derived, ReservationIds.derive(UUID.fromString("83679162-1378-4288-A2D4-70E13EC132AA")));
    }

    @Test
    void theEdgesOfTheUuidSpaceKeepEightDigits() {
        assertEquals("r-00000000", ReservationIds.derive(new UUID(0, 0)));
        assertEquals("r-ffffffff", ReservationIds.derive(new UUID(-1, -1)));
        assertEquals("r-00000001", ReservationIds.derive(new UUID(1L << 32, 0)));
    }
}
