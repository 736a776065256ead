package io.guestdata.server.metadata;

import io.guestdata.server.metadata.ErrorResponse.Rendered;
import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;
import java.util.List;

/**
 * Answers for requests the HTTP layer refuses before routing (a malformed or over-long request line, headers
 * too large or malformed, a body over the limit, an HTTP version other than 1.1 and 1.0 — HTTP/1.0 is answered,
 * {@link Http10Clients}; the 505 is left for a 1.0 request on a connection that started with 1.1), in the same
 * WebOb form as every other error,
 * with a fixed explanation: Helidon's own messages describe its internals.
 *
 * <p>Helidon reports headers over {@code maxHeadersSize} (and invalid header values) as an internal error
 * before any request exists; that can only be the request's fault, so it is a 400 here. An internal error
 * of a routed request (an {@link Error} escaping the handler) stays a 500.
 */
final class WebObDirectHandler implements DirectHandler {
    private final ServiceMetrics metrics;

    WebObDirectHandler(ServiceMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        ErrorResponse error = switch (defaultStatus.code()) {
            case 413 -> new ErrorResponse(413, "Request Entity Too Large",
                    "The body of your request was too large for this server.");
            case 414 -> new ErrorResponse(414, "Request-URI Too Long", "The request URI was too long for this server.");
            case 505 -> new ErrorResponse(505, "HTTP Version Not Supported", "The HTTP version is not supported.");
            case 503 -> ErrorResponse.SERVICE_UNAVAILABLE;
            // Before routing (no request line known), an "internal error" is Helidon failing to parse the
            // headers; after routing, it is ours.
            case 500 -> request.path().isEmpty()
                    ? ErrorResponse.badRequest("The request header fields are malformed or too large.")
                    : ErrorResponse.UNKNOWN_ERROR;
            default -> defaultStatus.code() >= 400 && defaultStatus.code() < 500
                    ? new ErrorResponse(defaultStatus.code(), defaultStatus.reasonPhrase(), "The request is malformed.")
                    : ErrorResponse.badRequest("The request is malformed.");
        };
        metrics.rejected(error.status());
        List<String> accept = request.headers().all(HeaderNames.ACCEPT, List::of);
        Rendered body = error.render(accept.isEmpty() ? null : String.join(",", accept));
        responseHeaders.set(HeaderValues.create(HeaderNames.CONTENT_TYPE, body.contentType()));
        return TransportResponse.builder()
                .status(Status.create(error.status(), error.title()))
                .headers(responseHeaders)
                .entity(body.body())
                .keepAlive(false)
                .build();
    }
}
