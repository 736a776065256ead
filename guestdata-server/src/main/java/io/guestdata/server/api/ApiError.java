package io.guestdata.server.api;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A refused management API request: the status and the body {@code {"error": {"code", "message", "field"?,
 * "limit"?, …}}}. Thrown by handlers and rendered by {@link ApiErrorHandlers}.
 */
final class ApiError extends RuntimeException {
    private final int status;
    private final String code;
    private final String field;
    private final String limit;
    private final transient Consumer<ObjectNode> extra;

    ApiError(int status, String code, String message, String field, String limit, Consumer<ObjectNode> extra) {
        super(message, null, false, false);
        this.status = status;
        this.code = Objects.requireNonNull(code, "code");
        this.field = field;
        this.limit = limit;
        this.extra = extra;
    }

    ApiError(int status, String code, String message) {
        this(status, code, message, null, null, null);
    }

    static ApiError badRequest(String field, String message) {
        return new ApiError(400, "invalid_parameter", message, field, null, null);
    }

    static ApiError notFound(String message) {
        return new ApiError(404, "not_found", message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }

    /** The error body. */
    ObjectNode body() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", code);
        error.put("message", getMessage());
        if (field != null) {
            error.put("field", field);
        }
        if (limit != null) {
            error.put("limit", limit);
        }
        if (extra != null) {
            extra.accept(error);
        }
        return root;
    }
}
