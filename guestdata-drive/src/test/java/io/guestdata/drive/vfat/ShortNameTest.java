package io.guestdata.drive.vfat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

@ToolTest
class ShortNameTest {
    private static ShortName one(String name) {
        return ShortName.assign(List.of(name), null).getFirst();
    }

    private static String field(ShortName n) {
        return new String(n.bytes(), StandardCharsets.US_ASCII);
    }

    @Test
    void lowerCase83NamesAreShortEntriesWithCaseBitsAndNoLongName() {
        ShortName ec2 = one("ec2");
        assertEquals("EC2        ", field(ec2));
        assertEquals(DirectoryEntry.LOWER_CASE_BASE, ec2.caseFlags());
        assertFalse(ec2.needsLongName());

        ShortName both = one("meta.txt");
        assertEquals("META    TXT", field(both));
        assertEquals(DirectoryEntry.LOWER_CASE_BASE | DirectoryEntry.LOWER_CASE_EXTENSION, both.caseFlags());
        assertFalse(both.needsLongName());

        ShortName baseOnly = one("lower.TXT");
        assertEquals(DirectoryEntry.LOWER_CASE_BASE, baseOnly.caseFlags());
        assertFalse(baseOnly.needsLongName());

        ShortName digits = one("0000");
        assertEquals("0000       ", field(digits));
        assertEquals(0, digits.caseFlags());
        assertFalse(digits.needsLongName());

        ShortName upper = one("UPPER.TXT");
        assertEquals(0, upper.caseFlags());
        assertFalse(upper.needsLongName());
    }

    @Test
    void mixedCase83NamesKeepTheirShortNameAndGetALongName() {
        ShortName mixed = one("Mixed.Txt");
        assertEquals("MIXED   TXT", field(mixed));
        assertEquals(0, mixed.caseFlags());
        assertTrue(mixed.needsLongName());
    }

    @Test
    void basisNameAndNumericTailFollowTheSpec() {
        assertEquals("META-D~1JSO", field(one("meta-data.json")));
        assertEquals("META_D~1JSO", field(one("meta_data.json")));
        assertEquals("OPENST~1   ", field(one("openstack")));
        assertEquals("2012-0~1   ", field(one("2012-08-10")));
        // Leading periods and all spaces are stripped; the extension follows the last period.
        assertEquals("HIDDEN~1   ", field(one(".hidden")));
        assertEquals("A~1     C  ", field(one("a.b.c")));
        assertEquals("AB~1    TXT", field(one("a b.txt")));
        // Characters a short name cannot hold become '_' (non-ASCII included): a lossy conversion.
        assertEquals("AB_C~1     ", field(one("ab+c")));
        assertEquals("___~1   TXT", field(one("日本語.txt")));
        // One character outside the BMP is one glyph and so one "_", as mtools does ("_X" for "😀x").
        assertEquals("_~1        ", field(one("😀")));
        assertTrue(one("ab+c").needsLongName());
    }

    @Test
    void tailsCountUpAndTheBaseShrinksToMakeRoom() {
        List<String> names = IntStream.rangeClosed(1, 12).mapToObj(i -> "longname-" + i + ".json").toList();
        List<ShortName> shorts = ShortName.assign(names, null);
        assertEquals("LONGNA~1JSO", field(shorts.get(0)));
        assertEquals("LONGNA~9JSO", field(shorts.get(8)));
        assertEquals("LONGN~10JSO", field(shorts.get(9)));
        assertEquals("LONGN~12JSO", field(shorts.get(11)));
    }

    @Test
    void exact83NamesWinOverGeneratedTails() {
        // "META-D~1.JSO" is a valid 8.3 name; the generated name for "meta-data.json" must avoid it.
        List<ShortName> shorts = ShortName.assign(List.of("META-D~1.JSO", "meta-data.json"), null);
        assertEquals("META-D~1JSO", field(shorts.get(0)));
        assertEquals("META-D~2JSO", field(shorts.get(1)));
    }

    @Test
    void theVolumeLabelIsNotReusedAsAShortName() {
        byte[] label = "CONFIG-2   ".getBytes(StandardCharsets.US_ASCII);
        ShortName n = ShortName.assign(List.of("config-2"), label).getFirst();
        assertEquals("CONFIG~1   ", field(n));
        assertTrue(n.needsLongName());
    }

    @Test
    void eightDotThreeRecognition() {
        assertTrue(ShortName.isEightDotThree("abcdefgh.ijk"));
        assertTrue(ShortName.isEightDotThree("a"));
        assertTrue(ShortName.isEightDotThree("x~1"));
        assertFalse(ShortName.isEightDotThree("abcdefghi"));
        assertFalse(ShortName.isEightDotThree("a.ijkl"));
        assertFalse(ShortName.isEightDotThree(".a"));
        assertFalse(ShortName.isEightDotThree("a.b.c"));
        assertFalse(ShortName.isEightDotThree("a b"));
        assertFalse(ShortName.isEightDotThree("a+b"));
        assertFalse(ShortName.isEightDotThree("é"));
    }
}
