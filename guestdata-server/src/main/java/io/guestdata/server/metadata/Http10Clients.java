package io.guestdata.server.metadata;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.socket.HelidonSocket;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.task.InterruptableTask;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.Router;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.security.cert.Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;

/**
 * HTTP/1.0 clients (RFC 1945) on a guest-facing listener, answered as Nova's metadata server (eventlet.wsgi
 * 0.33) answers them: the same routing, identification, error bodies and limits as HTTP/1.1; {@code Host} not
 * required (when present, only its port is checked); the connection closed after the answer
 * ({@code Connection: close}) unless the request's {@code Connection} field is {@code keep-alive} (any case, as
 * eventlet compares it), which is then answered with {@code Connection: keep-alive} (RFC 9112 §9.3 and
 * Appendix C.2.2). The status line says {@code HTTP/1.1}, as eventlet's does: a server sends its
 * own version (RFC 9110 §6.2), and a 1.0 client reads any 1.x answer. Guest answers always carry a
 * {@code Content-Length}, so a 1.0 client never gets a chunked body ({@link #http10} lets the proxy keep it so).
 *
 * <p>Helidon 4.3's HTTP/1 connection answers {@code HTTP/1.0} with 505 (Helidon PR #9715) and has no setting for
 * it. Its selector SPI ({@link io.helidon.webserver.spi.ServerConnectionSelector}) is where a listener chooses a
 * connection, so the choice is made there, per connection, by its first request line:
 * <ul>
 *   <li>{@code HTTP/1.1} (or anything else): Helidon's own HTTP/1.1 connection on the socket, unchanged; the
 *       only cost is looking at the first request line Helidon is about to parse anyway.</li>
 *   <li>{@code HTTP/1.0}: the same Helidon HTTP/1.1 connection class, configured alike but with {@code Host}
 *       optional (RFC 1945 has none), over a reader that presents each request line's {@code HTTP/1.0} as
 *       {@code HTTP/1.1} (the line keeps its length, so {@code maxPrologueLength} counts as for 1.1). A receive
 *       listener gives each request the persistence HTTP/1.0 has: {@code Connection: close} unless it asked for
 *       keep-alive; Helidon and {@link ConnectionTearDown} then answer and close as for a 1.1 client that asked.</li>
 * </ul>
 * The alternative, a second {@code ServerConnectionSelector} beside Helidon's, would make Helidon wait for the
 * client's first bytes before creating any connection, outside every timeout ({@link ConnectionGuard}); and
 * Helidon's request, response and routing classes are package-private, so an HTTP/1.0 connection of our own would
 * be a fork of them. A connection keeps the version of its first request (a client does not change version on
 * a connection; one that does gets Helidon's 505 on a 1.1 connection).
 */
public final class Http10Clients {
    private static final byte[] HTTP_1_0 = " HTTP/1.0".getBytes(StandardCharsets.US_ASCII);

    private final Http1ConnectionSelector http11;
    private final Http1ConnectionSelector http10;
    private final int maxRequestLine;

    /** @param http1 the listener's HTTP/1.1 configuration (limits, validation, receive listeners) */
    Http10Clients(Http1Config http1) {
        this.http11 = Http1ConnectionSelector.builder().config(http1).build();
        this.http10 = Http1ConnectionSelector.builder().config(http10(http1)).build();
        this.maxRequestLine = http1.maxPrologueLength();
    }

    @SuppressWarnings("removal") // validateRequestHostHeader: Helidon's only switch from full to port-only checks
    private static Http1Config http10(Http1Config http1) {
        // One receive listener, calling the listener's own first: Helidon 4.3.4 combines several into a listener
        // that passes on no event (Http1ConnectionListenerUtil.ListFrameListener has no methods).
        return Http1Config.builder().from(http1)
                .validateRequestHostHeader(false)
                .receiveListeners(List.of(new Persistence(http1.compositeReceiveListener())))
                .build();
    }

    /** The connection of a socket Helidon has just accepted (nothing read yet). */
    ServerConnection connection(ConnectionContext ctx) {
        return new FirstRequest(ctx);
    }

    /** Whether {@code req} came from an HTTP/1.0 client (its connection's first request line said so). */
    public static boolean http10(ServerRequest req) {
        return req.remotePeer() instanceof Http10Peer;
    }

    /** The context Helidon made for the socket, also when {@code ctx} is an HTTP/1.0 connection's (one key per socket). */
    static ConnectionContext socket(ConnectionContext ctx) {
        return ctx instanceof Http10Context http10 ? http10.socket : ctx;
    }

    /** Whether the request line at the reader's position ends with {@code HTTP/1.0} (the reader does not move). */
    private boolean http10RequestLine(DataReader reader) {
        int eol;
        try {
            eol = reader.findNewLine(maxRequestLine);
        } catch (DataReader.InsufficientDataAvailableException | DataReader.IncorrectNewLineException e) {
            return false; // Helidon's HTTP/1.1 connection reads it again and answers (or closes) as it does today
        }
        if (eol == maxRequestLine || eol < HTTP_1_0.length) {
            return false; // over-long (Helidon answers 414) or too short to tell
        }
        BufferData line = reader.getBuffer(eol);
        for (int i = 0; i < HTTP_1_0.length; i++) {
            if (line.get(eol - HTTP_1_0.length + i) != HTTP_1_0[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * A connection until its first request line is known: then Helidon's HTTP/1.1 or HTTP/1.0 connection. Created
     * on the connection's thread; Helidon may ask for its idle time and close it from others.
     */
    private final class FirstRequest implements ServerConnection, InterruptableTask<Void> {
        private final ConnectionContext ctx;
        private volatile ServerConnection chosen;
        private volatile Thread reading;

        FirstRequest(ConnectionContext ctx) {
            this.ctx = ctx;
            this.chosen = http11.connection(ctx);
        }

        @Override
        public void handle(Limit limit) throws InterruptedException {
            reading = Thread.currentThread();
            boolean http10Line;
            try {
                http10Line = http10RequestLine(ctx.dataReader());
            } finally {
                reading = null;
            }
            if (http10Line) {
                chosen = http10.connection(new Http10Context(ctx));
            }
            chosen.handle(limit);
        }

        @Override
        public Duration idleTime() {
            return chosen.idleTime();
        }

        @Override
        public void close(boolean interrupt) {
            Thread t = reading;
            if (t != null) {
                t.interrupt(); // waiting for the first request line, as Helidon's connection would be: end it
            }
            chosen.close(interrupt);
        }

        @Override
        public boolean canInterrupt() {
            return reading != null || chosen instanceof InterruptableTask<?> task && task.canInterrupt();
        }
    }

    /**
     * The socket's reader for Helidon's connection, each request line's {@code HTTP/1.0} read as {@code HTTP/1.1}.
     * Helidon 4.3.4 reads a request line with {@link #readBytes} (Http1Prologue), and after it only a
     * {@code Connection} value that way (Http1HeadersParser), never a body: the first such read on a connection
     * and after each request's headers ({@link Persistence}) is the request line. Header values and bodies are
     * left alone. A Helidon that read lines otherwise would answer a kept-alive 1.0 connection's second request
     * 505 (Http10ClientsTest).
     */
    private static final class Http10Reader extends DataReader {
        private boolean requestLineNext = true; // only the connection's thread reads

        Http10Reader(DataReader socket) {
            super(() -> {
                if (socket.available() == 0) {
                    socket.pullData(); // blocks; at the end of the stream throws as Helidon's reader does
                }
                return socket.readBytes(socket.available());
            });
        }

        @Override
        public byte[] readBytes(int len) {
            byte[] bytes = super.readBytes(len);
            if (requestLineNext) {
                requestLineNext = false;
                if (len >= HTTP_1_0.length
                        && java.util.Arrays.equals(bytes, len - HTTP_1_0.length, len, HTTP_1_0, 0, HTTP_1_0.length)) {
                    bytes[len - 1] = '1';
                }
            }
            return bytes;
        }
    }

    /**
     * The receive listener of HTTP/1.0 connections: the listener's own ({@code http1}), then each request's
     * persistence, and where the next request line starts.
     */
    private record Persistence(Http1ConnectionListener http1) implements Http1ConnectionListener {
        @Override
        public void data(ConnectionContext ctx, BufferData data) {
            http1.data(ctx, data);
        }

        @Override
        public void data(ConnectionContext ctx, byte[] data, int position, int length) {
            http1.data(ctx, data, position, length);
        }

        @Override
        public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
            http1.prologue(ctx, prologue);
        }

        @Override
        public void status(ConnectionContext ctx, Status status) {
            http1.status(ctx, status);
        }

        @Override
        public void headers(ConnectionContext ctx, Headers headers) {
            http1.headers(ctx, headers);
            if (ctx.dataReader() instanceof Http10Reader reader) {
                reader.requestLineNext = true;
            }
            // RFC 9112 §9.3: a 1.0 request persists only with keep-alive. eventlet (0.33, wsgi.py
            // handle_one_response) keeps it only for a Connection field that is exactly "keep-alive" (any case):
            // "keep-alive, foo" is closed there, so here too.
            List<String> connection = headers.all(HeaderNames.CONNECTION, List::of);
            boolean keepAlive = connection.size() == 1 && connection.getFirst().strip().equalsIgnoreCase("keep-alive");
            if (!keepAlive && headers instanceof WritableHeaders<?> writable) {
                writable.set(HeaderValues.CONNECTION_CLOSE);
            }
        }
    }

    /** The remote peer of an HTTP/1.0 connection: the socket's, marked ({@link #http10}). */
    private record Http10Peer(PeerInfo socket) implements PeerInfo {
        @Override
        public SocketAddress address() {
            return socket.address();
        }

        @Override
        public String host() {
            return socket.host();
        }

        @Override
        public int port() {
            return socket.port();
        }

        @Override
        public Optional<Principal> tlsPrincipal() {
            return socket.tlsPrincipal();
        }

        @Override
        public Optional<Certificate[]> tlsCertificates() {
            return socket.tlsCertificates();
        }
    }

    /** Helidon's connection context of the socket, with the HTTP/1.0 reader and the marked peer. */
    private static final class Http10Context implements ConnectionContext {
        private final ConnectionContext socket;
        private final Http10Reader reader;
        private final Http10Peer remote;

        Http10Context(ConnectionContext socket) {
            this.socket = socket;
            this.reader = new Http10Reader(socket.dataReader());
            this.remote = new Http10Peer(socket.remotePeer());
        }

        @Override
        public ListenerContext listenerContext() {
            return socket.listenerContext();
        }

        @Override
        public ExecutorService executor() {
            return socket.executor();
        }

        @Override
        public DataWriter dataWriter() {
            return socket.dataWriter();
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }

        @Override
        public Router router() {
            return socket.router();
        }

        @Override
        public Optional<ProxyProtocolData> proxyProtocolData() {
            return socket.proxyProtocolData();
        }

        @Override
        public HelidonSocket serverSocket() {
            return socket.serverSocket();
        }

        @Override
        public PeerInfo remotePeer() {
            return remote;
        }

        @Override
        public PeerInfo localPeer() {
            return socket.localPeer();
        }

        @Override
        public boolean isSecure() {
            return socket.isSecure();
        }

        @Override
        public String socketId() {
            return socket.socketId();
        }

        @Override
        public String childSocketId() {
            return socket.childSocketId();
        }
    }
}
