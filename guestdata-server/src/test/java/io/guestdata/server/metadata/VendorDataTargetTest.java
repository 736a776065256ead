package io.guestdata.server.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class VendorDataTargetTest {
    @Test
    void splitAtTheFirstAtAndDropLaterDuplicates() {
        List<VendorDataTarget> t = VendorDataTarget.parseAll(List.of("a@http://h/x", "b@http://user@h:8080/y@z",
                "a@http://other/"));
        assertEquals(2, t.size());
        assertEquals("a", t.get(0).name());
        assertEquals("http://h/x", t.get(0).url().toString());
        assertEquals("b", t.get(1).name());
        assertEquals("http://user@h:8080/y@z", t.get(1).url().toString());
    }

    @Test
    void refusesWhatNovaWouldSkipOrFailOn() {
        assertThrows(IllegalArgumentException.class, () -> VendorDataTarget.parse("no-at-sign"));
        assertThrows(IllegalArgumentException.class, () -> VendorDataTarget.parse("n@ftp://h/"));
        assertThrows(IllegalArgumentException.class, () -> VendorDataTarget.parse("n@/relative"));
        assertThrows(IllegalArgumentException.class, () -> VendorDataTarget.parse("n@http://h/ spaces"));
    }
}
