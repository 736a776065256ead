package io.guestdata.core.document;

import static io.guestdata.core.document.Fixtures.UUID_TEXT;
import static io.guestdata.core.document.Fixtures.parser;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The front door for JSON text: strict RFC 8259, one error when the text itself is bad. */
class StrictJsonTest {

    private static final String HEAD = "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"t\"";

    private static DocumentError onlyError(String text) {
        return onlyError(text.getBytes(StandardCharsets.UTF_8));
    }

    private static DocumentError onlyError(byte[] bytes) {
        List<DocumentError> errors = assertThrows(InvalidDocumentException.class, () -> parser().parse(bytes)).errors();
        assertEquals(1, errors.size(), () -> Fixtures.describe(errors));
        return errors.getFirst();
    }

    @Test
    void acceptsAMinimalDocument() throws InvalidDocumentException {
        assertEquals("t", parser().parse((HEAD + "}").getBytes(StandardCharsets.UTF_8)).name());
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{", "{\"uuid\": }", "{'uuid': 'x'}", "{uuid: 1}", "{\"a\": 1,}", "{\"a\": NaN}", "{\"a\": 01}",
            "{\"a\": \"x\ty\"}", "{\"a\": 1} // comment", "/* c */ {}", "[1, 2", "tru"})
    void malformedJsonIsOneSyntaxError(String text) {
        DocumentError error = onlyError(text);
        assertTrue(error.rule().equals("json.syntax") || error.rule().equals("json.trailing_content"), error::oneLine);
        assertEquals("", error.pointer());
    }

    @Test
    void malformedJsonNamesTheLineAndColumn() {
        DocumentError error = onlyError("{\n  \"uuid\": ,\n}");
        assertEquals("json.syntax", error.rule());
        assertTrue(error.message().contains("line 2"), error.message());
    }

    @Test
    void anEmptyDocumentIsASyntaxError() {
        assertEquals("json.syntax", onlyError("").rule());
        assertEquals("json.syntax", onlyError("  \n ").rule());
    }

    @Test
    void duplicateKeysAreRefusedWithTheirPointer() {
        DocumentError top = onlyError(HEAD + ", \"name\": \"u\"}");
        assertEquals("json.duplicate_key", top.rule());
        assertEquals("/name", top.pointer());
        DocumentError nested = onlyError(HEAD + ", \"metadata\": {\"a/b\": \"1\", \"a/b\": \"2\"}}");
        assertEquals("json.duplicate_key", nested.rule());
        assertEquals("/metadata/a~1b", nested.pointer());
        DocumentError inArray = onlyError(HEAD + ", \"files\": [{\"path\": \"/a\", \"path\": \"/b\"}]}");
        assertEquals("/files/0/path", inArray.pointer());
    }

    @ParameterizedTest
    @ValueSource(strings = {"} {}", "} x", "} ,", "}}", "} \"more\"", "} 1", "}\n{\"uuid\": 1}"})
    void trailingContentIsRefused(String tail) {
        DocumentError error = onlyError(HEAD + tail);
        assertEquals("json.trailing_content", error.rule(), error::oneLine);
    }

    @Test
    void trailingWhitespaceIsFine() throws InvalidDocumentException {
        parser().parse((HEAD + "}\n\t \r\n").getBytes(StandardCharsets.UTF_8));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "\"doc\"", "null", "42", "true"})
    void aRootThatIsNotAnObjectIsRefused(String text) {
        DocumentError error = onlyError(text);
        assertEquals("document.type", error.rule());
        assertEquals("", error.pointer());
    }

    @Test
    void invalidUtf8IsRefused() {
        byte[] head = (HEAD + ", \"admin_pass\": \"").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[head.length + 3];
        System.arraycopy(head, 0, bytes, 0, head.length);
        bytes[head.length] = (byte) 0xC3; // a lead byte followed by a non-continuation byte
        bytes[head.length + 1] = (byte) 0x28;
        bytes[head.length + 2] = '"';
        DocumentError error = onlyError(bytes);
        assertEquals("json.encoding", error.rule());
        assertTrue(error.message().contains("byte " + head.length), error.message());
    }

    @Test
    void utf16IsRefused() {
        // UTF-16 of ASCII text is valid UTF-8 full of NULs, which JSON refuses; with a BOM it is not UTF-8.
        assertEquals("json.syntax", onlyError((HEAD + "}").getBytes(StandardCharsets.UTF_16LE)).rule());
        assertEquals("json.encoding", onlyError((HEAD + "}").getBytes(StandardCharsets.UTF_16)).rule());
    }

    @Test
    void aByteOrderMarkIsRefused() {
        byte[] body = (HEAD + "}").getBytes(StandardCharsets.UTF_8);
        byte[] bytes = new byte[body.length + 3];
        bytes[0] = (byte) 0xEF;
        bytes[1] = (byte) 0xBB;
        bytes[2] = (byte) 0xBF;
        System.arraycopy(body, 0, bytes, 3, body.length);
        assertEquals("json.syntax", onlyError(bytes).rule());
    }

    @Test
    void validationErrorsOfJsonTextAreAllReported() {
        List<DocumentError> errors = assertThrows(InvalidDocumentException.class, () -> parser().parse(
                "{\"uuid\": 1, \"name\": \"\", \"x\": 0}".getBytes(StandardCharsets.UTF_8))).errors();
        assertEquals(List.of("document.unknown_field", "uuid.type", "name.length"),
                errors.stream().map(DocumentError::rule).toList());
    }

    @Test
    void nonAsciiTextIsReadAsUtf8() throws InvalidDocumentException {
        String text = "{\"uuid\": \"" + UUID_TEXT + "\", \"name\": \"Café Übung\"}";
        assertEquals("café-übung", parser().parse(text.getBytes(StandardCharsets.UTF_8)).hostname());
    }
}
