package io.guestdata.core.document;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * Reads JSON text into Jackson's tree model ({@link JsonNode}) with jackson-core's streaming parser, giving the
 * tree {@code ObjectMapper.readTree} gives with its default settings: objects keep member order (the last of
 * duplicate names wins unless the parser refuses duplicates), integers become int, long or BigInteger nodes by
 * size, other numbers double nodes.
 *
 * <p>Why not an {@code ObjectMapper}: its class initialisation (the default date format's calendars and locale
 * data) took ~60 ms of every short command's ~300 ms start, for a feature (data binding) no command reading a
 * document uses. The parser and its errors are jackson-core's, the same an {@code ObjectMapper} reports.
 */
public final class JsonTreeReader {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final JsonFactory factory;

    private JsonTreeReader(JsonFactory factory) {
        this.factory = factory;
    }

    /** Jackson's defaults (as {@code new ObjectMapper().readTree}). */
    public static JsonTreeReader lenient() {
        return new JsonTreeReader(new JsonFactory());
    }

    /** Refuses duplicate member names ({@link StreamReadFeature#STRICT_DUPLICATE_DETECTION}). */
    public static JsonTreeReader strict() {
        return new JsonTreeReader(JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build());
    }

    /** A parser over {@code text}, for {@link #read(JsonParser)} and then for checking what follows the value. */
    public JsonParser parser(String text) throws IOException {
        return factory.createParser(text);
    }

    /**
     * The first JSON value in {@code json} (encoding detected as Jackson does: UTF-8, -16 or -32), or a
     * {@link MissingNode} when there is none; what follows the value is not read.
     */
    public JsonNode read(byte[] json) throws IOException {
        try (JsonParser parser = factory.createParser(json)) {
            return read(parser);
        }
    }

    /** The next JSON value from {@code parser}, or a {@link MissingNode} at the end of the input. */
    public JsonNode read(JsonParser parser) throws IOException {
        JsonToken token = parser.nextToken();
        return token == null ? MissingNode.getInstance() : value(parser, token);
    }

    private static JsonNode value(JsonParser parser, JsonToken token) throws IOException {
        return switch (token) {
            case START_OBJECT -> {
                ObjectNode object = NODES.objectNode();
                for (String name = parser.nextFieldName(); name != null; name = parser.nextFieldName()) {
                    object.set(name, value(parser, parser.nextToken()));
                }
                yield object;
            }
            case START_ARRAY -> {
                ArrayNode array = NODES.arrayNode();
                for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
                    if (t == null) {
                        throw new IOException("unexpected end of input in an array");
                    }
                    array.add(value(parser, t));
                }
                yield array;
            }
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(parser.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> NODES.numberNode(parser.getDoubleValue());
            case VALUE_TRUE -> NODES.booleanNode(true);
            case VALUE_FALSE -> NODES.booleanNode(false);
            case VALUE_NULL -> NODES.nullNode();
            default -> throw new IOException("unexpected JSON token " + token + " at " + parser.currentTokenLocation());
        };
    }
}
