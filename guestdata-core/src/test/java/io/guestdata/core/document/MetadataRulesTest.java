package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.accept;
import static io.guestdata.core.document.Fixtures.chars;
import static io.guestdata.core.document.Fixtures.minimal;
import static io.guestdata.core.document.Fixtures.parser;
import static io.guestdata.core.document.Fixtures.reject;
import static io.guestdata.core.document.Fixtures.rejectOnly;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetadataRulesTest {

    private static ObjectNode withItems(int count) {
        ObjectNode doc = minimal();
        ObjectNode metadata = doc.putObject("metadata");
        for (int i = 0; i < count; i++) {
            metadata.put("k" + i, "v" + i);
        }
        return doc;
    }

    private static ObjectNode withEntry(String key, String value) {
        ObjectNode doc = minimal();
        doc.putObject("metadata").put(key, value);
        return doc;
    }

    @Test
    void atMost128ItemsWithNovasMessage() {
        assertEquals(128, accept(withItems(128)).metadata().size());
        DocumentError error = rejectOnly(withItems(129), "/metadata", "metadata.count");
        assertEquals("Maximum number of metadata items exceeds 128 (129 given)", error.message());
        assertEquals(Optional.of("128 items"), error.limit());
    }

    @Test
    void theItemLimitComesFromLimits() {
        InstanceDocumentParser two = Fixtures.parser(new Limits(5, 255, 10240, 2, 65535));
        accept(two, withItems(2));
        DocumentError error = rejectOnly(two, withItems(3), "/metadata", "metadata.count");
        assertEquals("Maximum number of metadata items exceeds 2 (3 given)", error.message());
        accept(Fixtures.parser(new Limits(5, 255, 10240, -1, 65535)), withItems(1000));
    }

    @Test
    void keysAreOneTo255Characters() {
        accept(withEntry(chars('k', 255), "v"));
        accept(withEntry("k", "v"));
        DocumentError over = rejectOnly(withEntry(chars('k', 256), "v"), "/metadata/" + chars('k', 256), "metadata.key.length");
        assertEquals(Optional.of("255 characters"), over.limit());
        rejectOnly(withEntry("", "v"), "/metadata/", "metadata.key.length");
    }

    @ParameterizedTest
    @ValueSource(strings = {"role", "a-b_c:d.e f", "Z9", " ", "-", "..", "a:b"})
    void keyCharactersAreNovas(String key) {
        assertEquals(Map.of(key, "v"), accept(withEntry(key, "v")).metadata());
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "a~b", "é", "a\tb", "role\n", "a@b", "a+b", "a,b", "☃"})
    void otherKeyCharactersAreRefused(String key) {
        String pointer = "/metadata/" + key.replace("~", "~0").replace("/", "~1");
        rejectOnly(withEntry(key, "v"), pointer, "metadata.key.pattern");
    }

    @Test
    void valuesAreStringsOfAtMost255Characters() {
        accept(withEntry("k", ""));
        accept(withEntry("k", chars('v', 255)));
        DocumentError over = rejectOnly(withEntry("k", chars('v', 256)), "/metadata/k", "metadata.value.length");
        assertEquals(Optional.of("255 characters"), over.limit());
        accept(withEntry("k", "☃\n\t" + chars('v', 252)));
    }

    @Test
    void insertionOrderIsKept() {
        ObjectNode doc = minimal();
        doc.putObject("metadata").put("zz", "1").put("aa", "2").put("mm", "3");
        assertEquals(List.of("zz", "aa", "mm"), List.copyOf(accept(doc).metadata().keySet()));
    }

    @Test
    void everyBadEntryIsReportedAlongWithTheCount() {
        ObjectNode doc = withItems(129);
        ((ObjectNode) doc.get("metadata")).put("bad/key", "v").put("long", chars('v', 256));
        assertEquals(List.of("metadata.count", "metadata.key.pattern", "metadata.value.length"),
                reject(parser(), doc).stream().map(DocumentError::rule).toList());
    }
}
