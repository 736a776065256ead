package io.guestdata.server.metadata;

import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.ServerRequest;

/**
 * A client that closed or reset its connection while its request was read or its answer written:
 * nothing more can be sent. A guest can do this at any rate and on answers of any size, so it costs
 * one DEBUG line (never a stack trace) and ends as Helidon's {@link ServerConnectionException},
 * which closes the connection without an error answer or a log line of Helidon's own (any other
 * exception would be logged with its stack trace as a failed request). The metadata service and
 * the proxy both end such requests here; each counts them itself.
 */
public final class ClientGone {
    private ClientGone() {
    }

    /** Logs {@code who} (e.g. "metadata client") going away during {@code req}, and the exception to end it with. */
    public static ServerConnectionException end(System.Logger log, String who, ServerRequest req, Exception e) {
        if (log.isLoggable(System.Logger.Level.DEBUG)) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause(); // the socket's own exception: "Connection reset by peer", "Broken pipe"
            }
            log.log(System.Logger.Level.DEBUG, who + " " + req.remotePeer().host() + " went away during "
                    + req.prologue().method().text() + " " + req.prologue().uriPath().rawPath() + ": " + cause);
        }
        return e instanceof ServerConnectionException sce ? sce : new ServerConnectionException(who + " went away", e);
    }
}
