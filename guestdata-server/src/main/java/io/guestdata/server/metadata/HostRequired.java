package io.guestdata.server.metadata;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.http.DirectTransportRequest;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code to any HTTP/1.1 request message that
 * lacks a Host header field and to any request message that contains more than one Host header field". On the
 * guest listeners this replaces Helidon's Host check, which also parses the value as an RFC 3986 host and so
 * refuses {@code [fe80::a9fe:a9fe%eth0]}, the value cloud-init sends to the link-local metadata address
 * ({@link GuestListeners#http1()}). The value is not read here, or anywhere. An HTTP/1.0 client
 * ({@link Http10Clients}) may leave Host out.
 */
public final class HostRequired implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // One lookup per request, no list built: this runs on every guest request.
        int hosts = req.headers().contains(HeaderNames.HOST) ? req.headers().get(HeaderNames.HOST).valueCount() : 0;
        // An HTTP/1.0 client's request reaches routing as 1.1 (Http10Clients rewrites its request line) and may
        // come without Host, as Nova's server accepts it.
        boolean missing = hosts == 0 && "1.1".equals(req.prologue().protocolVersion()) && !Http10Clients.http10(req);
        if (hosts > 1 || missing) {
            throw RequestException.builder()
                    .type(DirectHandler.EventType.BAD_REQUEST)
                    .status(Status.BAD_REQUEST_400)
                    .request(DirectTransportRequest.create(req.prologue(), req.headers()))
                    .message(hosts == 0 ? "Host header must be present in the request"
                            : "Only a single Host header is allowed in request")
                    .build();
        }
        chain.proceed();
    }
}
