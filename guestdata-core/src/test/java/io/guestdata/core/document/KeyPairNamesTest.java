package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeyPairNamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"k", "mykey", "alice@example.com", "a b", "_-.@", "K9"})
    void validNames(String name) {
        assertEquals(Optional.empty(), KeyPairNames.problem(name));
    }

    @Test
    void lengthIsOneTo255() {
        assertEquals(Optional.empty(), KeyPairNames.problem("k".repeat(255)));
        assertTrue(KeyPairNames.problem("k".repeat(256)).orElseThrow().contains("1 to 255"));
        assertTrue(KeyPairNames.problem("").orElseThrow().contains("1 to 255"));
    }

    @Test
    void onlyNovasCharacters() {
        assertEquals("character 1 is U+002F. Only expected characters: "
                        + "[@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ]",
                KeyPairNames.problem("a/b").orElseThrow());
        assertTrue(KeyPairNames.problem("é").isPresent());
    }

    @Test
    void noWhitespaceAtEitherEnd() {
        assertTrue(KeyPairNames.problem(" a").orElseThrow().contains("whitespace"));
        assertTrue(KeyPairNames.problem("a ").orElseThrow().contains("whitespace"));
        assertTrue(KeyPairNames.problem(" ").orElseThrow().contains("whitespace"));
    }
}
