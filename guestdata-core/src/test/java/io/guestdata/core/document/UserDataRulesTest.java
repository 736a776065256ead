package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.base64OfLength;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.UserData;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserDataRulesTest {

    private static ObjectNode with(String userData) {
        ObjectNode doc = minimal();
        doc.put("user_data", userData);
        return doc;
    }

    @Test
    void atMost65535CharactersOfBase64Text() {
        // 65532 base64 characters plus 3 discarded newlines: 65535 characters of text
        String at = base64OfLength(65532) + "\n\n\n";
        assertEquals(49149, accept(with(at)).userData().orElseThrow().size());
        DocumentError over = rejectOnly(with(at + "\n"), "/user_data", "user_data.length");
        assertEquals(Optional.of("65535 characters"), over.limit());
    }

    @Test
    void theLimitComesFromLimits() {
        InstanceDocumentParser four = Fixtures.parser(new Limits(5, 255, 10240, 128, 4));
        accept(four, with("YWJj"));
        rejectOnly(four, with("YWJj "), "/user_data", "user_data.length");
    }

    @Test
    void keepsTheTextAndTheDecodedBytes() {
        UserData userData = accept(with("I2Nsb3VkLWNv\r\nbmZpZwo=")).userData().orElseThrow();
        assertEquals("I2Nsb3VkLWNv\r\nbmZpZwo=", userData.base64());
        assertArrayEquals("#cloud-config\n".getBytes(StandardCharsets.US_ASCII), userData.bytes());
        assertEquals(0, accept(with("")).userData().orElseThrow().size());
    }

    @ParameterizedTest
    @ValueSource(strings = {"YQ", "YWJjZA", "YWJjZ", "YW=", "a", "I2Nsb3VkLWNvbmZpZwo"})
    void badPaddingIsRefused(String text) {
        rejectOnly(with(text), "/user_data", "user_data.base64");
    }
}
