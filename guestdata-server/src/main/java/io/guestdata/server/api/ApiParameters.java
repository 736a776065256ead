package io.guestdata.server.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.webserver.http.ServerRequest;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A request's named options, read the same way whether they come as the query of a {@code GET} or as the members of
 * a {@code POST}'s JSON body, so that one parser checks an option wherever it is given (the config drive's
 * {@code format}, {@code timestamp}, … for {@code GET} and {@code POST /instances/{uuid}/config-drive}). Refusals are
 * {@link ApiError}s naming the option as its source names it: the query parameter ({@code format}, code
 * {@code invalid_parameter}) or the body's JSON pointer ({@code /format}, code {@code invalid_field}).
 */
abstract sealed class ApiParameters {

    /** The query parameters of {@code req}: every value text; flags {@code true|false|1|0}, numbers in digits. */
    static ApiParameters query(ServerRequest req) {
        return new Query(req);
    }

    /** The members of a JSON object body: texts as JSON strings, flags as JSON booleans, numbers as JSON integers. */
    static ApiParameters body(ObjectNode body) {
        return new Body(body);
    }

    /** The option as text, if given. */
    abstract Optional<String> text(String name);

    /** A true/false option; false when absent. */
    abstract boolean flag(String name);

    /** A whole number from {@code min} to {@code max}, if given. */
    abstract OptionalLong number(String name, long min, long max);

    /** A 400 naming the option. */
    abstract ApiError invalid(String name, String message);

    /** How an error names the option: the query parameter's name, or the body member's JSON pointer. */
    abstract String field(String name);

    private static final class Query extends ApiParameters {
        private final ServerRequest req;

        Query(ServerRequest req) {
            this.req = req;
        }

        @Override
        Optional<String> text(String name) {
            return ApiRequest.query(req, name);
        }

        @Override
        boolean flag(String name) {
            Optional<String> v = text(name);
            if (v.isEmpty()) {
                return false;
            }
            return switch (v.get()) {
                case "true", "1" -> true;
                case "false", "0" -> false;
                default -> throw invalid(name, name + "=" + v.get() + ": use true or false");
            };
        }

        @Override
        OptionalLong number(String name, long min, long max) {
            return ApiRequest.longQuery(req, name, min, max);
        }

        @Override
        ApiError invalid(String name, String message) {
            return ApiError.badRequest(field(name), message);
        }

        @Override
        String field(String name) {
            return name;
        }
    }

    private static final class Body extends ApiParameters {
        private final ObjectNode body;

        Body(ObjectNode body) {
            this.body = body;
        }

        @Override
        Optional<String> text(String name) {
            return Optional.ofNullable(ApiRequest.text(body, name, false));
        }

        @Override
        boolean flag(String name) {
            JsonNode v = body.get(name);
            if (v == null || v.isNull()) {
                return false;
            }
            if (!v.isBoolean()) {
                throw invalid(name, name + " must be true or false");
            }
            return v.booleanValue();
        }

        @Override
        OptionalLong number(String name, long min, long max) {
            JsonNode v = body.get(name);
            if (v == null || v.isNull()) {
                return OptionalLong.empty();
            }
            if (v.canConvertToExactIntegral() && v.canConvertToLong() && v.longValue() >= min && v.longValue() <= max) {
                return OptionalLong.of(v.longValue());
            }
            throw new ApiError(400, "invalid_field", name + "=" + v + ": must be a whole number from " + min + " to "
                    + max, field(name), min + ".." + max, null);
        }

        @Override
        ApiError invalid(String name, String message) {
            return new ApiError(400, "invalid_field", message, field(name), null, null);
        }

        @Override
        String field(String name) {
            return "/" + name;
        }
    }
}
