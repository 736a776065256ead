package io.guestdata.server.metadata;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * The metadata service's counters, in the Prometheus text exposition format 0.0.4 ({@link #render}).
 *
 * <p>Hand-written rather than Helidon's metrics module: a handful of counters and one histogram are
 * {@link LongAdder}s (a few nanoseconds on the request path, no contention between virtual threads), while the
 * module brings a metrics registry, Micrometer-style meters, the service registry and their configuration
 * for the same text.
 */
public final class ServiceMetrics {
    /** Latency histogram bucket upper bounds, seconds. */
    private static final double[] BOUNDS = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
            0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    private static final String[] BOUND_LABELS = {"0.0001", "0.00025", "0.0005", "0.001", "0.0025", "0.005", "0.01",
            "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10"};

    private final Map<Integer, LongAdder> requestsByStatus = new ConcurrentHashMap<>();
    private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    private final DoubleAdder latencySum = new DoubleAdder();
    private final LongAdder latencyCount = new LongAdder();
    private final Map<String, LongAdder> lookupsByMode = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> identificationFailures = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> vendorData = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> tokens = new ConcurrentHashMap<>();
    private final LongAdder clientResets = new LongAdder();

    public ServiceMetrics() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** A request answered by the service, with how long it took. */
    void request(int status, long nanos) {
        requestsByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
        double seconds = nanos / 1e9;
        int i = 0;
        while (i < BOUNDS.length && seconds > BOUNDS[i]) {
            i++;
        }
        buckets[i].increment();
        latencySum.add(seconds);
        latencyCount.increment();
    }

    /** A request refused by the HTTP layer before it reached the service (malformed, too large). */
    void rejected(int status) {
        requestsByStatus.computeIfAbsent(status, s -> new LongAdder()).increment();
    }

    void identified(String mode) {
        lookupsByMode.computeIfAbsent(mode, m -> new LongAdder()).increment();
    }

    void identificationFailed(String mode, String reason) {
        identificationFailures.computeIfAbsent(mode + "\0" + reason, k -> new LongAdder()).increment();
    }

    void vendorData(String target, String outcome) {
        vendorData.computeIfAbsent(target + "\0" + outcome, k -> new LongAdder()).increment();
    }

    /** An IMDSv2 token event: {@code issued}, {@code missing}, {@code invalid}, {@code forwarded}, {@code bad_ttl}. */
    void token(String event) {
        tokens.computeIfAbsent(event, k -> new LongAdder()).increment();
    }

    /** A client that closed or reset its connection before its answer was written (or while sending its request). */
    void clientReset() {
        clientResets.increment();
    }

    /** How many clients went away before their answer was written. */
    public long clientResets() {
        return clientResets.sum();
    }

    /** The number of requests answered with {@code status} so far. */
    public long requests(int status) {
        LongAdder a = requestsByStatus.get(status);
        return a == null ? 0 : a.sum();
    }

    /** All counters in the Prometheus text format. */
    public String render() {
        StringBuilder out = new StringBuilder(2048);
        header(out, "guestdata_metadata_requests_total", "counter", "Metadata requests answered, by HTTP status.");
        new TreeMap<>(requestsByStatus).forEach((status, n) ->
                out.append("guestdata_metadata_requests_total{status=\"").append(status).append("\"} ")
                        .append(n.sum()).append('\n'));

        header(out, "guestdata_metadata_request_duration_seconds", "histogram",
                "Time from routing to the response, for requests that reached the service.");
        long cumulative = 0;
        for (int i = 0; i < BOUNDS.length; i++) {
            cumulative += buckets[i].sum();
            out.append("guestdata_metadata_request_duration_seconds_bucket{le=\"").append(BOUND_LABELS[i]).append("\"} ")
                    .append(cumulative).append('\n');
        }
        cumulative += buckets[BOUNDS.length].sum();
        out.append("guestdata_metadata_request_duration_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
        out.append("guestdata_metadata_request_duration_seconds_sum ").append(latencySum.sum()).append('\n');
        out.append("guestdata_metadata_request_duration_seconds_count ").append(latencyCount.sum()).append('\n');

        header(out, "guestdata_metadata_lookups_total", "counter", "Requests identified as an instance, by mode.");
        new TreeMap<>(lookupsByMode).forEach((mode, n) ->
                out.append("guestdata_metadata_lookups_total{mode=\"").append(mode).append("\"} ")
                        .append(n.sum()).append('\n'));

        header(out, "guestdata_metadata_identification_failures_total", "counter",
                "Requests not identified as an instance, by mode and reason.");
        twoLabels(out, "guestdata_metadata_identification_failures_total", "mode", "reason", identificationFailures);

        header(out, "guestdata_metadata_vendordata_requests_total", "counter",
                "Dynamic vendor data target calls, by target and outcome.");
        twoLabels(out, "guestdata_metadata_vendordata_requests_total", "target", "outcome", vendorData);

        header(out, "guestdata_metadata_imds_tokens_total", "counter",
                "IMDSv2 token events: issued, or why a request was refused.");
        new TreeMap<>(tokens).forEach((event, n) ->
                out.append("guestdata_metadata_imds_tokens_total{event=\"").append(event).append("\"} ")
                        .append(n.sum()).append('\n'));

        header(out, "guestdata_metadata_client_resets_total", "counter",
                "Requests whose client closed or reset the connection before the answer was written.");
        out.append("guestdata_metadata_client_resets_total ").append(clientResets.sum()).append('\n');
        return out.toString();
    }

    /** The {@code guestdata_store_errors_total} counter: failed reads and writes of the store. */
    static String storeErrors(long count) {
        StringBuilder out = new StringBuilder();
        header(out, "guestdata_store_errors_total", "counter",
                "Store operations that failed: the directory's reads (cache misses, changes), guest password reads"
                        + " and writes, management API reads and writes.");
        out.append("guestdata_store_errors_total ").append(count).append('\n');
        return out.toString();
    }

    /** The {@code # HELP} and {@code # TYPE} lines of a metric. */
    static void header(StringBuilder out, String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    /** A metric of one unlabelled sample: its {@link #header} and the sample. */
    static void single(StringBuilder out, String name, String type, String help, Number value) {
        header(out, name, type, help);
        out.append(name).append(' ').append(value).append('\n');
    }

    private static void twoLabels(StringBuilder out, String name, String first, String second,
                                  Map<String, LongAdder> counters) {
        new TreeMap<>(counters).forEach((key, n) -> {
            int sep = key.indexOf('\0');
            out.append(name).append('{').append(first).append("=\"").append(escape(key.substring(0, sep)))
                    .append("\",").append(second).append("=\"").append(escape(key.substring(sep + 1)))
                    .append("\"} ").append(n.sum()).append('\n');
        });
    }

    /** Label value escaping of the text format: backslash, double quote, newline. */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
