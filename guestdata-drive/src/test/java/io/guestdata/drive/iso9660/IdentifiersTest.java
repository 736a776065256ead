package io.guestdata.drive.iso9660;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Name mapping of both hierarchies, uniqueness and the §9.3 order. */
class IdentifiersTest {
    final PrimaryIdentifiers primary = new PrimaryIdentifiers();
    final JolietIdentifiers joliet = new JolietIdentifiers();

    @Test
    void primaryFileNamesAsGenisoimageMakesThemForNovaTrees() {
        assertEquals("meta_data.json;1", primary.natural("meta_data.json", false));
        assertEquals("meta_data.json;1", primary.natural("meta-data.json", false));
        assertEquals("user_data.;1", primary.natural("user-data", false));
        assertEquals("0000.;1", primary.natural("0000", false));
        assertEquals("vendor_data2.json;1", primary.natural("vendor_data2.json", false));
        assertEquals("2012_08_10", primary.natural("2012-08-10", true));
        assertEquals("openstack", primary.natural("openstack", true));
    }

    @Test
    void primaryNamesStayWithinLevel2Lengths() {
        String id = primary.natural("a_very_long_file_name_that_exceeds_thirty_characters.json", false);
        assertEquals("a_very_long_file_name_that.json;1", id);
        assertEquals("extension_kept_to_8.abcdefgh;1",
                primary.natural("extension_kept_to_8.abcdefghijklmnopqrstuvwxyz0123456789", false));
        assertEquals(31, primary.natural("d".repeat(100), true).length());
        assertEquals(".hidden;1", primary.natural(".hidden", false));
        assertEquals("x.y.z;1", primary.natural("x.y.z", false));
        assertEquals("___.;1", primary.natural("...", false), "a name of dots only would read as '.' or '..'");
        assertEquals("_", primary.natural(".", true));
        assertEquals("_n__c_d_.txt;1", primary.natural("ünï cödé.txt", false));
        assertEquals("__.txt;1", primary.natural("😀 .txt", false), "one _ per code point, not per UTF-16 unit");
    }

    @Test
    void primaryFallbacksKeepTheLimits() {
        String natural = primary.natural("n".repeat(40) + ".json", false);
        String alt = primary.alternative(natural, false, 12);
        assertEquals("n".repeat(23) + "_12.json;1", alt);
        assertEquals("d".repeat(29) + "_3", primary.alternative(primary.natural("d".repeat(40), true), true, 3));
        String longExt = primary.natural("." + "e".repeat(40), false);
        assertTrue(primary.alternative(longExt, false, 1).length() <= 33);
    }

    @Test
    void primaryClashesIgnoreCaseVersionAndTrailingDots() {
        assertEquals(primary.key("A.TXT;1", false), primary.key("a.txt;1", false));
        assertEquals(primary.key("ABC.;1", false), primary.key("abc", true));
        List<String> names = List.of("a.txt", "A.txt", "a.TXT", "a:txt", "a_txt", "abc", "ABC");
        List<String> ids = UniqueIdentifiers.assign(names, Collections.nCopies(names.size(), false), primary);
        HashSet<String> keys = new HashSet<>();
        ids.forEach(id -> assertTrue(keys.add(primary.key(id, false)), id + " in " + ids));
        assertEquals("a.txt;1", ids.get(0), "the first by name keeps the natural identifier");
        assertEquals("a_txt.;1", ids.get(4), "a_txt keeps its identifier although a:txt maps to it too");
        assertEquals("a_txt_1.;1", ids.get(3));
    }

    @Test
    void fallbacksNeverTakeAnotherEntrysNaturalIdentifier() {
        // "a" and "A" clash; the fallback for "A" must not be "a_1", which "a_1" itself needs
        List<String> names = List.of("A", "a", "a_1");
        List<String> ids = UniqueIdentifiers.assign(names, List.of(true, true, true), primary);
        assertEquals(List.of("A", "a_2", "a_1"), ids);
    }

    @Test
    void manyNamesMappingToOneIdentifierStayFastAndUnique() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            names.add(new String(Character.toChars(0x4E00 + i)) + ".txt"); // all map to "_.txt;1"
        }
        long start = System.nanoTime();
        List<String> ids = UniqueIdentifiers.assign(names, Collections.nCopies(names.size(), false), primary);
        assertTrue(System.nanoTime() - start < 5_000_000_000L, "linear, not quadratic");
        assertEquals(names.size(), new HashSet<>(ids).size());
        assertEquals("_.txt;1", ids.get(0));
        assertEquals("__1.txt;1", ids.get(1));
        ids.forEach(id -> assertTrue(id.length() <= 33, id));
    }

    @Test
    void jolietKeepsNamesItCanHold() {
        for (String n : List.of("meta_data.json", "Mixed Case.Several.Dots", "日本語 ファイル.txt", "😀", "x".repeat(64),
                "trailing.", " leading space", "a%b#c~d!e")) {
            assertTrue(JolietIdentifiers.canHold(n), n);
            assertEquals(n, joliet.natural(n, false));
        }
    }

    @Test
    void jolietMapsForbiddenCharactersAndCutsLongNames() {
        assertEquals("a_b_c_d_e_f_g_h", joliet.natural("a*b/c:d;e?f\\g\th", false));
        assertFalse(JolietIdentifiers.canHold("a:b"));
        assertEquals("x".repeat(60) + ".txt", joliet.natural("x".repeat(100) + ".txt", false), "extension kept");
        assertEquals("x".repeat(64), joliet.natural("x".repeat(70) + ".way_too_long_extension", false));
        String emoji = joliet.natural("a" + "😀".repeat(40), false);
        assertEquals("a" + "😀".repeat(31), emoji, "a surrogate pair is never split");
        assertEquals("x".repeat(58) + "~1.txt", joliet.alternative(joliet.natural("x".repeat(100) + ".txt", false), false, 1));
        assertEquals("short~2.txt", joliet.alternative("short.txt", false, 2));
    }

    @Test
    void jolietClashesAreCaseSensitiveAndExactNamesWin() {
        List<String> names = List.of("A", "a", "a:b", "a_b", "a?b");
        List<String> ids = UniqueIdentifiers.assign(names, Collections.nCopies(5, false), joliet);
        assertEquals(List.of("A", "a", "a_b~1", "a_b", "a_b~2"), ids);
    }

    @Test
    void recordOrderIsEcma119Section93() {
        List<String> ids = new ArrayList<>(List.of("B.;1", "A.B;1", "AB.;1", "A", "A_B", "A.A;1", "Z", "0.;1", "a.;1"));
        ids.sort((x, y) -> IdentifierOrder.compare(x, x.contains(";"), y, y.contains(";")));
        // name first (padded with spaces, which sort before every d-character), then extension
        assertEquals(List.of("0.;1", "A", "A.A;1", "A.B;1", "AB.;1", "A_B", "B.;1", "Z", "a.;1"), ids);
    }

    @Test
    void pathTableOrderPadsWithSpaces() {
        assertTrue(IdentifierOrder.comparePadded("A", "A0") < 0);
        assertEquals(0, IdentifierOrder.comparePadded("A", "A "));
        assertTrue(IdentifierOrder.compare("A", false, "A ", false) < 0, "ties are broken so the order is total");
    }
}
