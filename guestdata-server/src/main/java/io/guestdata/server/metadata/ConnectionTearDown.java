package io.guestdata.server.metadata;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.util.List;

/**
 * RFC 9112 §9.6 (tear-down): "A server that receives a "close" connection option MUST initiate closure of the
 * connection after it sends the final response to the request that contained the "close" connection option".
 *
 * <p>Helidon 4.3 answers such a request with {@code Connection: close} but then waits for the next request line
 * until its idle timeout: a client that asked to close and does not close itself keeps its connection (and its
 * place under the per-source and listener limits) for the whole idle time. This routing filter closes it once the
 * answer is written, by throwing Helidon's {@link CloseConnectionException} (the filter contract's way to end a
 * connection; Helidon closes the socket without logging beyond TRACE). A response the routing marked
 * {@code Connection: close} itself (an error answer that leaves the request body unread) is torn down the same
 * way. An HTTP/1.0 request that did not ask for keep-alive reaches routing with {@code Connection: close}
 * ({@link Http10Clients}), so it is torn down here as well.
 */
public final class ConnectionTearDown implements Filter {
    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        // Most requests have no Connection field: one lookup, no list.
        boolean asked = req.headers().contains(HeaderNames.CONNECTION)
                && hasClose(req.headers().all(HeaderNames.CONNECTION, List::of));
        if (asked) {
            // "The server SHOULD send a "close" connection option in its final response" (§9.6). Helidon does only
            // for the exact value "close", and would answer "Connection: Close" with keep-alive.
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
        chain.proceed();
        // A response closing the connection has exactly Helidon's "Connection: close" (set by Helidon or above).
        if (asked || res.headers().contains(HeaderValues.CONNECTION_CLOSE)) {
            throw new CloseConnectionException("the request or its response has Connection: close");
        }
    }

    /** Whether a {@code Connection} field has the {@code close} option (RFC 9110 §7.6.1: case-insensitive list). */
    static boolean hasClose(List<String> values) {
        for (String value : values) {
            for (String option : value.split(",")) {
                if (option.strip().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }
}
