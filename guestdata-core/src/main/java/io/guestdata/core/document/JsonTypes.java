package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;

/** JSON type names (RFC 8259 §3) for messages: "must be a string, is a number". */
final class JsonTypes {

    private JsonTypes() {
    }

    static String describe(JsonNode node) {
        return switch (node.getNodeType()) {
            case OBJECT -> "an object";
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> node.isIntegralNumber() || node.canConvertToExactIntegral() ? "the number " + node
                    : "a number with a fraction (" + node + ")";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "not a JSON value (" + node.getNodeType() + ")";
        };
    }
}
