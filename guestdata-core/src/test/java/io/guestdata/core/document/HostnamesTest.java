package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostnamesTest {

    private static final UUID ID = UUID.fromString("B65CEE2F-8C69-4AEB-BE2F-F79742548FC2");

    /** nova-compat.md §8: the verified examples. */
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "Test Host|test-host", "my_server.example.com|my-server-example-com", "Café Übung|café-übung"})
    void novasVerifiedExamples(String name, String hostname) {
        assertEquals(hostname, Hostnames.sanitize(name, ID));
    }

    @Test
    void novasVerifiedExamplesWithNothingLeftOrATab() {
        assertEquals("Server-b65cee2f-8c69-4aeb-be2f-f79742548fc2", Hostnames.sanitize("日本語", ID));
        assertEquals("tabname", Hostnames.sanitize("tab\tname", ID));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            // Latin-1 numerics are Python word characters; × and ÷ are not
            "x²½×÷ÀÉ|x²½àé",
            "ª º µ ß ÿ|ª-º-µ-ß-ÿ",
            "-.a.-|a",
            "..--__|''",
            "a!b@c#d|abcd",
            "UPPER lower|upper-lower",
            "Ünïcødé ☃ snow|ünïcødé--snow",
            "web 01 (prod)|web-01-prod",
            "a\u00a0b|ab",
            "\u00ad|''"})
    void followsSanitizeHostname(String name, String hostname) {
        assertEquals(hostname.isEmpty() ? "Server-" + ID : hostname, Hostnames.sanitize(name, ID));
    }

    @Test
    void truncatesTo63BeforeReplacing() {
        // 62 letters, a space, then more: truncation keeps "…a " and the space becomes a stripped '-'
        String name = "a".repeat(62) + " bcd";
        assertEquals("a".repeat(62), Hostnames.sanitize(name, ID));
        // characters dropped later still count towards the 63 kept before removal
        assertEquals("a".repeat(10), Hostnames.sanitize("!".repeat(53) + "a".repeat(20), ID));
        // characters outside Latin-1 are dropped before truncation
        assertEquals("a".repeat(63), Hostnames.sanitize("日".repeat(100) + "a".repeat(70), ID));
    }
}
