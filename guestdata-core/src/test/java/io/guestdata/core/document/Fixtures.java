package io.guestdata.core.document;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/** Documents and assertions shared by the document tests. */
final class Fixtures {

    static final String UUID_TEXT = "83679162-1378-4288-a2d4-70e13ec132aa";
    /** Made with {@code ssh-keygen -t ed25519 -C alice@example}; ssh-keygen -l -E md5 gives the fingerprint. */
    static final String ED25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBfNNuHOBuycAS80+VMHi57JgfuY++eS0/ebsVOt9xzd alice@example";
    static final String ED25519_MD5 = "e8:45:d5:68:f1:2c:3f:0f:34:21:00:46:96:6e:7a:4c";
    /** Made with {@code ssh-keygen -t ecdsa -b 256 -C bob@example}. */
    static final String ECDSA256 = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBE2xqyxr"
            + "WbKT1oESnrGdY3WnK1M9n8tSyZvFfYXkG1YKzC2sUiWlCqExUc2lr8C5sPYYtjdK2Jadpfe0U36qAAA= bob@example";
    static final String ECDSA256_MD5 = "70:9a:80:00:45:e8:dd:31:76:93:90:9c:5f:ab:12:f2";
    static final KeyPair MYKEY = new KeyPair("mykey", "ssh", ECDSA256, ECDSA256_MD5);

    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private Fixtures() {
    }

    static InstanceDocumentParser parser() {
        return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.of(MYKEY));
    }

    static InstanceDocumentParser parser(Limits limits) {
        return new InstanceDocumentParser(limits, KeyPairResolver.of(MYKEY));
    }

    /** The smallest valid document: uuid and name. */
    static ObjectNode minimal() {
        ObjectNode doc = NODES.objectNode();
        doc.put("uuid", UUID_TEXT);
        doc.put("name", "test");
        return doc;
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(text, e);
        }
    }

    static Instance accept(JsonNode doc) {
        return accept(parser(), doc);
    }

    static Instance accept(InstanceDocumentParser parser, JsonNode doc) {
        try {
            return parser.parse(doc);
        } catch (InvalidDocumentException e) {
            throw new AssertionError("expected the document to be accepted, got " + e.getMessage(), e);
        }
    }

    static List<DocumentError> reject(JsonNode doc) {
        return reject(parser(), doc);
    }

    static List<DocumentError> reject(InstanceDocumentParser parser, JsonNode doc) {
        return assertThrows(InvalidDocumentException.class, () -> parser.parse(doc)).errors();
    }

    /** Asserts the document fails with exactly one error, of this rule at this pointer. */
    static DocumentError rejectOnly(JsonNode doc, String pointer, String rule) {
        return rejectOnly(parser(), doc, pointer, rule);
    }

    static DocumentError rejectOnly(InstanceDocumentParser parser, JsonNode doc, String pointer, String rule) {
        List<DocumentError> errors = reject(parser, doc);
        assertEquals(1, errors.size(), () -> "expected one error, got " + describe(errors));
        DocumentError error = errors.getFirst();
        assertEquals(rule, error.rule(), error::oneLine);
        assertEquals(pointer, error.pointer(), error::oneLine);
        return error;
    }

    static String describe(List<DocumentError> errors) {
        return errors.stream().map(DocumentError::oneLine).collect(Collectors.joining("\n  ", "\n  ", ""));
    }

    static String chars(char c, int n) {
        return String.valueOf(c).repeat(n);
    }

    /** Base64 text of exactly {@code length} characters (length a multiple of 4). */
    static String base64OfLength(int length) {
        if (length % 4 != 0) {
            throw new IllegalArgumentException("base64 text comes in groups of 4");
        }
        return Base64.getEncoder().encodeToString(new byte[length / 4 * 3]);
    }
}
