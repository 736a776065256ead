package io.guestdata.server.metadata;

import io.helidon.webserver.http.HttpService;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The operator-facing API listener (default {@code 127.0.0.1:8774}, Nova's compute API port), separate from
 * the guest-facing one: the services registered on it, by path prefix (the management API at {@code /v1}).
 * With no service it answers 404 to everything. Services authenticate their requests themselves. It speaks
 * HTTP/1.1 only (HTTP/1.0 gets 505), as the management listener: guests' HTTP/1.0 clients are for the guest
 * listener ({@link Http10Clients}).
 *
 * @param address  where to listen
 * @param services path prefix → service, registered in this order
 */
public record ApiListener(InetSocketAddress address, Map<String, HttpService> services) {
    public ApiListener {
        Objects.requireNonNull(address, "address");
        services = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(services));
    }
}
