package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.chars;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** uuid, name, hostname, the free-text identifiers, reservation_id, launch_index, security_groups. */
class InstanceFieldRulesTest {

    private static ObjectNode with(String field, String value) {
        ObjectNode doc = minimal();
        doc.put(field, value);
        return doc;
    }

    @ParameterizedTest
    @ValueSource(strings = {"83679162-1378-4288-a2d4-70e13ec132aa", "83679162-1378-4288-A2D4-70E13EC132AA",
            "00000000-0000-0000-0000-000000000000", "FFFFFFFF-ffff-FFFF-ffff-FFFFFFFFFFFF"})
    void uuidsOfEitherCaseAreAcceptedAndLowercased(String uuid) {
        assertEquals(uuid.toLowerCase(java.util.Locale.ROOT), accept(with("uuid", uuid)).uuid().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "83679162137842884a2d470e13ec132aa", "83679162-1378-4288-a2d4-70e13ec132a",
            "83679162-1378-4288-a2d4-70e13ec132aaa", "{83679162-1378-4288-a2d4-70e13ec132aa}",
            "urn:uuid:83679162-1378-4288-a2d4-70e13ec132aa", "83679162-1378-4288-a2d4-70e13ec132ag",
            "1-1-1-1-1", "83679162-1378-4288-a2d4-70e13ec132aa\n", " 83679162-1378-4288-a2d4-70e13ec132aa"})
    void otherUuidTextIsRefused(String uuid) {
        rejectOnly(with("uuid", uuid), "/uuid", "uuid.format");
    }

    @Test
    void nameLengthIsOneTo255Characters() {
        accept(with("name", "x"));
        accept(with("name", chars('n', 255)));
        DocumentError over = rejectOnly(with("name", chars('n', 256)), "/name", "name.length");
        assertEquals(Optional.of("255 characters"), over.limit());
        rejectOnly(with("name", ""), "/name", "name.length");
    }

    @Test
    void nameLengthCountsCodePoints() {
        // 255 characters, one of them a BMP letter written as two bytes in UTF-8: still 255
        accept(with("name", "é" + chars('n', 254)));
        rejectOnly(with("name", "é" + chars('n', 255)), "/name", "name.length");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\tb", "a\nb", "a\u0000b", "a\u007fb", "a\u0085b", "a\u200bb", "a\u2028b",
            "a\ue000b", "a\u00adb", "a\ud83d\ude00b", "a\ufffeb", "a\u0378b", "a\ud800b"})
    void nameCharactersMustBePrintableBmp(String name) {
        rejectOnly(with("name", name), "/name", "name.printable");
    }

    @ParameterizedTest
    @ValueSource(strings = {" a", "a ", "\u00a0a", "a\u3000", "\u2000a"})
    void nameMustNotStartOrEndWithWhitespace(String name) {
        rejectOnly(with("name", name), "/name", "name.whitespace");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "Ünïcødé ☃", "日本語", "a\u00a0b", "x.y_z-1", "\u0301x"})
    void printableNamesAreAccepted(String name) {
        assertEquals(name, accept(with("name", name)).name());
    }

    @Test
    void hostnameIsKeptAsGivenWithinTwoTo63Characters() {
        assertEquals("Ab", accept(with("hostname", "Ab")).hostname());
        assertEquals(chars('h', 63), accept(with("hostname", chars('h', 63))).hostname());
        DocumentError over = rejectOnly(with("hostname", chars('h', 64)), "/hostname", "hostname.length");
        assertEquals(Optional.of("63 characters"), over.limit());
        rejectOnly(with("hostname", "h"), "/hostname", "hostname.length");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-ab", "ab-", "a_b", "a.b", "a b", "ab\n", "héllo"})
    void hostnameFollowsNovasPattern(String hostname) {
        rejectOnly(with("hostname", hostname), "/hostname", "hostname.pattern");
    }

    @Test
    void hostnameDefaultsToTheSanitisedName() {
        assertEquals("my-server-example-com", accept(with("name", "my_server.example.com")).hostname());
        assertEquals("Server-" + Fixtures.UUID_TEXT, accept(with("name", "日本語")).hostname());
    }

    @ParameterizedTest
    @ValueSource(strings = {"project_id", "availability_zone", "instance_type", "image_id", "kernel_id", "ramdisk_id"})
    void freeTextIdentifiersAreOneTo255Characters(String field) {
        accept(with(field, "x"));
        accept(with(field, chars('x', 255)));
        DocumentError over = rejectOnly(with(field, chars('x', 256)), "/" + field, field + ".length");
        assertEquals(Optional.of("255 characters"), over.limit());
        rejectOnly(with(field, ""), "/" + field, field + ".length");
    }

    @Test
    void reservationIdIsRDashAndEightCharacters() {
        assertEquals("r-0123abcz", accept(with("reservation_id", "r-0123abcz")).reservationId());
        DocumentError nine = rejectOnly(with("reservation_id", "r-0123abcz9"), "/reservation_id", "reservation_id.pattern");
        assertEquals(Optional.of("8 characters after 'r-'"), nine.limit());
        rejectOnly(with("reservation_id", "r-0123abc"), "/reservation_id", "reservation_id.pattern");
        rejectOnly(with("reservation_id", "r-0123ABCZ"), "/reservation_id", "reservation_id.pattern");
        rejectOnly(with("reservation_id", "x-0123abcz"), "/reservation_id", "reservation_id.pattern");
        rejectOnly(with("reservation_id", "r-0123abcz\n"), "/reservation_id", "reservation_id.pattern");
    }

    @Test
    void launchIndexIsFromZeroToIntMax() {
        ObjectNode doc = minimal();
        doc.put("launch_index", 0);
        assertEquals(0, accept(doc).launchIndex());
        doc.put("launch_index", Integer.MAX_VALUE);
        assertEquals(Integer.MAX_VALUE, accept(doc).launchIndex());
        doc.put("launch_index", -1);
        assertEquals(Optional.of("at least 0"), rejectOnly(doc, "/launch_index", "launch_index.range").limit());
        doc.put("launch_index", (long) Integer.MAX_VALUE + 1);
        rejectOnly(doc, "/launch_index", "launch_index.range");
        doc.put("launch_index", new BigInteger("99999999999999999999999"));
        rejectOnly(doc, "/launch_index", "launch_index.range");
    }

    @Test
    void securityGroupNamesAreOneTo255Characters() {
        ObjectNode doc = minimal();
        doc.putArray("security_groups").add("x").add(chars('s', 255));
        assertEquals(2, accept(doc).securityGroups().size());
        doc.putArray("security_groups").add("ok").add(chars('s', 256));
        rejectOnly(doc, "/security_groups/1", "security_groups.item.length");
        doc.putArray("security_groups").add("");
        rejectOnly(doc, "/security_groups/0", "security_groups.item.length");
    }

    @Test
    void adminPassMayBeAnyString() {
        String pass = "\u0000 \n☃" + chars('p', 5000);
        assertEquals(Optional.of(pass), accept(with("admin_pass", pass)).adminPass());
    }

    @Test
    void reservationIdDerivedFromTheUuidIsStable() {
        String id = accept(minimal()).reservationId();
        assertEquals(id, accept(minimal()).reservationId());
        assertTrue(id.matches("r-[0-9a-z]{8}"), id);
    }
}
