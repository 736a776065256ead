package io.guestdata.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpMediaType;
import io.helidon.webserver.http.ServerRequest;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The parts of a management API request (docs/management-api.md), read and checked: the {@code {uuid}} path
 * parameter, query parameters, {@code If-Match}, and the JSON body. Each refusal is an {@link ApiError} naming the
 * parameter or field and its limit; the routing's error handlers ({@link ApiErrorHandlers}) answer it.
 */
final class ApiRequest {
    /** For small request bodies (key pairs, inject): duplicate members and trailing data are errors. */
    private static final ObjectMapper STRICT_JSON = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();
    private static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}");

    private ApiRequest() {
    }

    static UUID uuidParam(ServerRequest req) {
        String text = req.path().pathParameters().get("uuid");
        if (!UUID_TEXT.matcher(text).matches()) {
            throw new ApiError(404, "not_found", "instance " + text + " not found (not a uuid)");
        }
        String hex = text.replace("-", "").toLowerCase(Locale.ROOT);
        return UUID.fromString(hex.substring(0, 8) + "-" + hex.substring(8, 12) + "-" + hex.substring(12, 16) + "-"
                + hex.substring(16, 20) + "-" + hex.substring(20));
    }

    static Optional<String> query(ServerRequest req, String name) {
        return req.query().contains(name) ? Optional.of(req.query().get(name)) : Optional.empty();
    }

    static OptionalLong longQuery(ServerRequest req, String name, long min, long max) {
        Optional<String> v = query(req, name);
        if (v.isEmpty()) {
            return OptionalLong.empty();
        }
        try {
            long n = Long.parseLong(v.get());
            if (n >= min && n <= max) {
                return OptionalLong.of(n);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError(400, "invalid_parameter", name + "=" + v.get() + ": must be a whole number from " + min
                + " to " + max, name, min + ".." + max, null);
    }

    /**
     * The request body: JSON only (415 otherwise), at most {@value ManagementApi#MAX_BODY_BYTES} bytes (413), read
     * with bounded memory whether or not a Content-Length was sent.
     */
    static byte[] jsonBody(ServerRequest req) {
        Optional<HttpMediaType> type = req.headers().contentType();
        if (type.isEmpty() || !type.get().mediaType().type().equalsIgnoreCase("application")
                || !type.get().mediaType().subtype().equalsIgnoreCase("json")) {
            throw new ApiError(415, "unsupported_media_type", "the body must be JSON (Content-Type: application/json)"
                    + type.map(t -> "; got " + t.text()).orElse("; none given"), null, null, null);
        }
        type.get().charset().filter(c -> !c.equalsIgnoreCase("utf-8")).ifPresent(c -> {
            throw new ApiError(415, "unsupported_media_type", "JSON bodies must be UTF-8; got charset " + c);
        });
        OptionalLong length = req.headers().contentLength();
        if (length.isPresent() && length.getAsLong() > ManagementApi.MAX_BODY_BYTES) {
            throw tooLarge();
        }
        try (InputStream in = req.content().inputStream()) {
            byte[] body = in.readNBytes(ManagementApi.MAX_BODY_BYTES + 1);
            if (body.length > ManagementApi.MAX_BODY_BYTES) {
                throw tooLarge();
            }
            return body;
        } catch (IOException e) {
            throw new ApiError(400, "bad_body", "the body could not be read: " + e.getMessage());
        }
    }

    private static ApiError tooLarge() {
        return new ApiError(413, "payload_too_large", "the request body is larger than "
                + ManagementApi.MAX_BODY_BYTES + " bytes", null, ManagementApi.MAX_BODY_BYTES + " bytes", null);
    }

    /** A JSON object body whose members are all in {@code known} (400 naming each unknown one). */
    static ObjectNode objectBody(ServerRequest req, Set<String> known) {
        JsonNode node;
        try {
            node = STRICT_JSON.readTree(jsonBody(req));
        } catch (IOException e) {
            throw new ApiError(400, "invalid_json", "the body is not valid JSON: " + e.getMessage(), "", null, null);
        }
        if (!(node instanceof ObjectNode object)) {
            throw new ApiError(400, "invalid_json", "the body must be a JSON object", "", null, null);
        }
        List<String> unknown = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ApiError(400, "unknown_field", "unknown field" + (unknown.size() > 1 ? "s " : " ")
                    + String.join(", ", unknown) + "; allowed: " + String.join(", ", known),
                    "/" + unknown.getFirst().replace("~", "~0").replace("/", "~1"), null, null);
        }
        return object;
    }

    static String text(ObjectNode body, String name, boolean required) {
        JsonNode v = body.get(name);
        if (v == null || v.isNull()) {
            if (required) {
                throw new ApiError(400, "missing_field", name + " is required", "/" + name, null, null);
            }
            return null;
        }
        if (!v.isTextual()) {
            throw new ApiError(400, "invalid_field", name + " must be a string", "/" + name, null, null);
        }
        return v.textValue();
    }

    /** {@code If-Match: 3} or {@code If-Match: "3"} (the ETag this API gives); {@code *} or absent: empty. */
    static OptionalLong ifMatch(ServerRequest req) {
        Optional<String> v = req.headers().first(HeaderNames.IF_MATCH);
        if (v.isEmpty() || v.get().strip().equals("*")) {
            return OptionalLong.empty();
        }
        String s = v.get().strip();
        if (s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"")) {
            s = s.substring(1, s.length() - 1);
        }
        try {
            long n = Long.parseLong(s);
            if (n >= 1) {
                return OptionalLong.of(n);
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError(400, "invalid_parameter", "If-Match must be an instance version (\"3\" or 3); got "
                + v.get(), "If-Match", null, null);
    }
}
