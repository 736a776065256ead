package io.guestdata.server.metadata;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * The management listener's routes: {@code /healthz} (liveness), {@code /readyz} (whether this node answers from
 * current data: for a store-backed directory, whether the store can be read, a cached, time-bounded check) and
 * {@code /metrics} (Prometheus text format 0.0.4: the service's counters, the guest listener's connection and
 * request-rate limits, and the store errors of every part that reads the store).
 */
final class HealthAndMetrics implements HttpService {
    private static final io.helidon.http.Header TEXT = HeaderValues.create(HeaderNames.CONTENT_TYPE,
            "text/plain; charset=UTF-8");
    private static final io.helidon.http.Header PROMETHEUS = HeaderValues.create(HeaderNames.CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8");

    private final InstanceDirectory directory;
    private final ServiceMetrics metrics;
    private final ConnectionGuard guard;
    private final TokenBuckets rateLimit;
    private final LongSupplier storeErrors;

    HealthAndMetrics(InstanceDirectory directory, ServiceMetrics metrics, ConnectionGuard guard,
                     TokenBuckets rateLimit, LongSupplier storeErrors) {
        this.directory = directory;
        this.metrics = metrics;
        this.guard = guard;
        this.rateLimit = rateLimit;
        this.storeErrors = storeErrors;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/healthz", this::health)
                .get("/readyz", this::readiness)
                .get("/metrics", this::metrics);
    }

    private void health(ServerRequest req, ServerResponse res) {
        res.header(TEXT);
        res.send("ok\n".getBytes(StandardCharsets.UTF_8));
    }

    private void readiness(ServerRequest req, ServerResponse res) {
        res.header(TEXT);
        Optional<String> problem = directory.notReady();
        if (problem.isPresent()) {
            res.status(Status.SERVICE_UNAVAILABLE_503);
        }
        res.send((problem.map(p -> "not ready: " + p).orElse("ready") + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void metrics(ServerRequest req, ServerResponse res) {
        res.header(PROMETHEUS);
        res.send((metrics.render() + guard.render("guestdata_metadata") + rateLimit.render("guestdata_metadata")
                + directory.metrics("guestdata_metadata")
                + ServiceMetrics.storeErrors(storeErrors.getAsLong())).getBytes(StandardCharsets.UTF_8));
    }
}
