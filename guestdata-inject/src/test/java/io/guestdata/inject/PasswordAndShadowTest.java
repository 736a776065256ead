package io.guestdata.inject;

import io.guestdata.testkit.ToolTest;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** crypt(3) hashes checked against openssl and glibc; Nova's shadow rewrite rules and error texts. */
@ToolTest
class PasswordAndShadowTest {

    @Test
    void sha512IsWhatOpensslPasswdGivesForTheSameSalt() {
        String salt = "abcdefghIJKLMN./";
        for (String pw : List.of("s3cret-Pass", "pässwörd ✓", "a:b:c", " ")) {
            String expected = GuestImages.runOk("openssl", "passwd", "-6", "-salt", salt, pw).stdout().strip();
            assertEquals(expected, PasswordHash.SHA512.hash(pw, salt), pw);
        }
    }

    @Test
    void md5UsesTheFirstEightOfNovasSixteenSaltCharacters() {
        String salt = "G12KGQR1abcdefgh";
        String expected = GuestImages.runOk("openssl", "passwd", "-1", "-salt", "G12KGQR1", "s3cret").stdout().strip();
        assertEquals(expected, PasswordHash.MD5.hash("s3cret", salt));
        assertTrue(expected.startsWith("$1$G12KGQR1$"));
    }

    @Test
    void randomSaltsAreSixteenCryptCharactersAndGlibcVerifiesTheHash() {
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        for (PasswordHash h : PasswordHash.values()) {
            String hash = h.hash("pässwörd", random);
            String pattern = h == PasswordHash.SHA512 ? "\\$6\\$[a-zA-Z0-9./]{16}\\$[a-zA-Z0-9./]{86}"
                    : "\\$1\\$[a-zA-Z0-9./]{8}\\$[a-zA-Z0-9./]{22}";
            assertTrue(hash.matches(pattern), hash);
            assertTrue(GuestImages.cryptVerifies("pässwörd", hash), hash);
        }
        assertTrue(PasswordHash.salt(random).chars().allMatch(c -> PasswordHash.SALT_CHARACTERS.indexOf(c) >= 0));
    }

    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void onlyRootsPasswordFieldChangesAndTheTrailingNewlineStays() throws Exception {
        String shadow = "daemon:*:19000:0:99999:7:::\nroot:*:19000:0:99999:7:::\nrootx:!:1::::::\n";
        assertEquals("daemon:*:19000:0:99999:7:::\nroot:HASH:19000:0:99999:7:::\nrootx:!:1::::::\n",
                new String(ShadowFile.withPassword(b(shadow), "root", "HASH"), StandardCharsets.ISO_8859_1));
        assertEquals("root:HASH", new String(ShadowFile.withPassword(b("root:old"), "root", "HASH"),
                StandardCharsets.ISO_8859_1), "no trailing newline added");
    }

    @Test
    void everyRootLineIsChangedAndOtherBytesSurvive() throws Exception {
        byte[] shadow = {'r', 'o', 'o', 't', ':', 'x', ':', (byte) 0xff, '\n', 'r', 'o', 'o', 't', ':', ':', '\r', '\n'};
        byte[] expected = {'r', 'o', 'o', 't', ':', 'H', ':', (byte) 0xff, '\n', 'r', 'o', 'o', 't', ':', 'H', ':', '\r', '\n'};
        assertArrayEquals(expected, ShadowFile.withPassword(shadow, "root", "H"));
    }

    @Test
    void novasErrorTexts() {
        var p = assertThrows(ShadowFile.Refusal.class, () -> ShadowFile.requireUser(b("rootx:x:0:0::/:/bin/sh\n"), "root"));
        assertEquals("User root not found in password file.", p.getMessage());
        var s = assertThrows(ShadowFile.Refusal.class, () -> ShadowFile.withPassword(b("alice:!:1::::::\n"), "root", "H"));
        assertEquals("User root not found in shadow file.", s.getMessage());
        var f = assertThrows(ShadowFile.Refusal.class, () -> ShadowFile.withPassword(b("alice:!\nroot\n"), "root", "H"));
        assertEquals("/etc/shadow line 2 for root has no password field (no ':'); fix the image's /etc/shadow",
                f.getMessage());
    }

    @Test
    void passwdNeedsRootAsTheFirstFieldOfSomeLine() throws Exception {
        ShadowFile.requireUser(b("# comment\nroot:x:0:0:root:/root:/bin/bash"), "root");
        ShadowFile.requireUser(b("root"), "root");
    }
}
