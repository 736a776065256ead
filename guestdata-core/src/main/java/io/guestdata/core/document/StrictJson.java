package io.guestdata.core.document;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the document's bytes as strict JSON text (RFC 8259): UTF-8 only (§8.1), no comments, no
 * single quotes, no NaN, no unquoted names (Jackson's defaults), no duplicate member names
 * ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}; §4 leaves duplicates to the reader, and a
 * document whose meaning depends on which duplicate wins is refused), and nothing after the root
 * value. A text that fails gives exactly one error: after a syntax error nothing else can be read.
 */
final class StrictJson {

    private final JsonTreeReader reader = JsonTreeReader.strict();

    /** The tree, or empty with the one error recorded. */
    Optional<JsonNode> read(byte[] json, DocumentErrors errors) {
        Optional<String> text = utf8(json, errors);
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try (JsonParser parser = reader.parser(text.get())) {
            JsonNode root;
            try {
                root = reader.read(parser);
            } catch (JsonProcessingException e) {
                reportSyntax(e, errors);
                return Optional.empty();
            }
            if (root == null || root.isMissingNode()) {
                errors.add(DocumentPointer.root(), "json.syntax", "the document is empty; expected a JSON object");
                return Optional.empty();
            }
            // Checked here rather than with DeserializationFeature.FAIL_ON_TRAILING_TOKENS, which only
            // readTree(String) applies and which reports "{} x" as a bad token rather than as trailing content.
            try {
                JsonToken next = parser.nextToken();
                if (next != null) {
                    errors.add(DocumentPointer.root(), "json.trailing_content",
                            "unexpected content after the end of the JSON document" + where(parser.currentTokenLocation()));
                    return Optional.empty();
                }
            } catch (JsonProcessingException e) {
                errors.add(DocumentPointer.root(), "json.trailing_content",
                        "unexpected content after the end of the JSON document" + where(e.getLocation()));
                return Optional.empty();
            }
            return Optional.of(root);
        } catch (IOException e) {
            throw new UncheckedIOException("reading JSON from memory", e);
        }
    }

    private static void reportSyntax(JsonProcessingException e, DocumentErrors errors) {
        String message = e.getOriginalMessage();
        if (message != null && message.startsWith("Duplicate field")
                && e.getProcessor() instanceof JsonParser parser) {
            // The parser stops with the duplicate name as its current name, so its path is the duplicate.
            String pointer = parser.getParsingContext().pathAsPointer().toString();
            String name = parser.getParsingContext().getCurrentName();
            errors.add(new DocumentPointer(pointer), "json.duplicate_key",
                    "the member name '" + name + "' appears more than once in this object" + where(e.getLocation()));
            return;
        }
        errors.add(DocumentPointer.root(), "json.syntax", "malformed JSON: " + firstLine(message) + where(e.getLocation()));
    }

    /** Decodes strict UTF-8: malformed bytes are an error, not a replacement character. */
    private static Optional<String> utf8(byte[] json, DocumentErrors errors) {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(json);
        CharBuffer out = CharBuffer.allocate(json.length);
        // UTF-8 never yields more chars than it had bytes, so the output buffer cannot overflow.
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            errors.add(DocumentPointer.root(), "json.encoding",
                    "the document is not valid UTF-8 (at byte " + in.position() + ")");
            return Optional.empty();
        }
        decoder.flush(out);
        out.flip();
        return Optional.of(out.toString());
    }

    private static String where(JsonLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int end = message.indexOf('\n');
        return end < 0 ? message : message.substring(0, end);
    }
}
