package io.guestdata.server.metadata;

import io.helidon.webserver.http.HttpFeature;
import io.helidon.webserver.http.HttpService;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The operator-facing API listener (default {@code 127.0.0.1:8774}, Nova's compute API port), separate from
 * the guest-facing one: the Helidon features that set up its routing (the management API: its routes at
 * {@code /v1}, its authentication filter and its error handlers). With none it answers 404 to everything. It speaks
 * HTTP/1.1 only (HTTP/1.0 gets 505), as the management listener: guests' HTTP/1.0 clients are for the guest
 * listener ({@link Http10Clients}).
 *
 * @param address  where to listen
 * @param features set up on its routing in this order (within one Helidon weight)
 */
public record ApiListener(InetSocketAddress address, List<HttpFeature> features) {
    public ApiListener {
        Objects.requireNonNull(address, "address");
        features = List.copyOf(features);
    }

    /** A listener with plain services, each registered at its path prefix, in the map's order. */
    public ApiListener(InetSocketAddress address, Map<String, HttpService> services) {
        this(address, services.entrySet().stream()
                .map(e -> (HttpFeature) routing -> routing.register(e.getKey(), e.getValue()))
                .toList());
    }

    /** The store errors of the features that count theirs (the management API). */
    long storeErrors() {
        long n = 0;
        for (HttpFeature feature : features) {
            if (feature instanceof StoreErrorCount counting) {
                n += counting.storeErrors();
            }
        }
        return n;
    }
}
