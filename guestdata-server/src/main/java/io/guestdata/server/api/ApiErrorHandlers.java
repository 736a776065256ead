package io.guestdata.server.api;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.document.DocumentError;
import io.guestdata.server.metadata.StoreErrorCount;
import io.guestdata.server.metadata.StoreOutage;
import io.guestdata.store.StoreException;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.util.Locale;
import java.util.concurrent.atomic.LongAdder;

/**
 * The management API's error handlers, registered on its routing ({@link #register}): the one place a route's
 * refusal becomes its answer. An {@link ApiError} is answered as it is, a {@link StoreException} as
 * {@link #storeError} maps it. A failed database operation (read or write) is counted ({@link #storeErrors()}, part
 * of {@code guestdata_store_errors_total}); a transient one is answered 503 with {@code Retry-After}
 * ({@link StoreOutage}). Every answer is the JSON body of {@link ApiError#body()}; to HEAD, the status alone.
 */
final class ApiErrorHandlers implements StoreErrorCount {
    private final LongAdder databaseErrors = new LongAdder();
    private final StoreOutage storeOutage = new StoreOutage(System.getLogger(ManagementApi.class.getName()),
            "management API request");

    /** Registers the handlers on {@code routing}: they answer whatever any of its routes throws. */
    void register(HttpRouting.Builder routing) {
        routing.error(ApiError.class, ApiErrorHandlers::send)
                .error(StoreException.class, this::storeFailure);
    }

    private void storeFailure(ServerRequest req, ServerResponse res, StoreException e) {
        if (e instanceof StoreException.DatabaseError d) {
            databaseErrors.increment();
            if (storeOutage.failed(d)) {
                res.header(StoreOutage.RETRY_AFTER);
            }
        }
        send(req, res, storeError(e));
    }

    /** Store operations of the API that failed because the database did (reads and writes). */
    @Override
    public long storeErrors() {
        return databaseErrors.sum();
    }

    static ApiError storeError(StoreException e) {
        return switch (e) {
            case StoreException.NotFound nf -> new ApiError(404, "not_found", nf.getMessage());
            case StoreException.Conflict c -> c.reason() == StoreException.Conflict.Reason.VERSION_MISMATCH
                    ? new ApiError(412, "version_mismatch", c.getMessage(), null, null,
                            o -> o.put("current_version", c.currentVersion().orElse(0)))
                    : new ApiError(409, c.reason().name().toLowerCase(Locale.ROOT), c.getMessage(), null, null, o -> {
                        c.address().ifPresent(a -> o.put("address", a));
                        c.otherInstance().ifPresent(u -> o.put("other_instance", u.toString()));
                    });
            case StoreException.Invalid inv -> inv.documentErrors().isEmpty()
                    ? new ApiError(400, "invalid_parameter", inv.getMessage(), inv.field(), null,
                            o -> o.put("rule", inv.rule()))
                    : new ApiError(400, "invalid_document", inv.getMessage(), inv.field(),
                            inv.documentErrors().getFirst().limit().orElse(null), o -> {
                                o.put("rule", inv.rule());
                                ArrayNode all = o.putArray("errors");
                                for (DocumentError d : inv.documentErrors()) {
                                    ObjectNode n = all.addObject();
                                    n.put("field", d.pointer());
                                    n.put("rule", d.rule());
                                    n.put("message", d.message());
                                    d.limit().ifPresent(l -> n.put("limit", l));
                                }
                            });
            case StoreException.QuotaExceeded q -> new ApiError(403, "quota_exceeded", q.getMessage(), null,
                    q.limit() + " " + q.quota().replace('_', ' '), o -> o.put("quota", q.quota()));
            case StoreException.DatabaseError d -> d.isTransient()
                    ? new ApiError(503, "database_unavailable", "the database is unavailable; retry in "
                            + StoreOutage.RETRY_AFTER_SECONDS + " s (Retry-After)")
                    : new ApiError(500, "database_error", "the database failed; see the service log");
        };
    }

    /** Answers {@code e}: its status, and its JSON body except to HEAD. */
    static void send(ServerRequest req, ServerResponse res, ApiError e) {
        res.status(Status.create(e.status()));
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderValues.CONTENT_LENGTH_ZERO);
            res.send();
            return;
        }
        ManagementApi.sendJson(res, e.body());
    }
}
