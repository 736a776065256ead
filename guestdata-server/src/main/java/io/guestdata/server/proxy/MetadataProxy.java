package io.guestdata.server.proxy;

import io.guestdata.server.metadata.ConnectionGuard;
import io.guestdata.server.metadata.ConnectionTearDown;
import io.guestdata.server.metadata.Http10Clients;
import io.guestdata.server.metadata.ClientGone;
import io.guestdata.server.metadata.ErrorResponse;
import io.guestdata.server.metadata.GuestListeners;
import io.guestdata.server.metadata.HostRequired;
import io.guestdata.server.metadata.IpAddressText;
import io.guestdata.server.metadata.TokenBuckets;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.WebServerConfig;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRouting;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code guestdata proxy}: the metadata proxy beside the guests, as Neutron's. It answers at the address guests
 * use for the metadata service, finds the instance that owns the guest's source address in the mapping, and
 * forwards the request to a metadata service node in proxy mode with {@code X-Instance-ID}, {@code X-Tenant-ID},
 * {@code X-Instance-ID-Signature} and {@code X-Forwarded-For: <guest address>}, all set by the proxy: the
 * guest's own identity headers are removed first, so a guest can never choose whose data it gets. The node's
 * answer (status, headers, body) is streamed back unchanged, hop-by-hop headers aside.
 *
 * <ul>
 *   <li>Guest connections: at most {@code maxPerSource} per guest address, request heads on time, {@code Connection:
 *       close} honoured ({@link ConnectionGuard}, {@link ConnectionTearDown}, as the service's listener).</li>
 *   <li>HTTP/1.0 guests are answered as HTTP/1.1 ones ({@link Http10Clients}); the node is always asked over
 *       HTTP/1.1, with the address the guest connected to as {@code Host} when the guest sent none, and an answer
 *       of unknown length is read whole and sent with its {@code Content-Length} (a 1.0 client cannot read a
 *       chunked body).</li>
 *   <li>A guest that resets its connection mid-answer: one DEBUG line and a count, no stack trace.</li>
 *   <li>Requests per guest: at most its {@code RequestRate} (a token bucket per mapped instance, or per address for
 *       an unknown one, {@link TokenBuckets}); over it, 429 with {@code Retry-After} in WebOb's form, the service
 *       not contacted.</li>
 *   <li>Unknown guest address: 404 (WebOb's body, as Neutron's proxy), the service is not contacted.</li>
 *   <li>Node selection: round robin; a connect error fails over to the next node and marks the node down for
 *       a while. GET and HEAD also fail over when a node accepts the connection but fails before answering.</li>
 *   <li>No node answers: 500 {@code An unknown error has occurred. Please try your request again.}, Neutron's
 *       answer.</li>
 * </ul>
 */
public final class MetadataProxy implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(MetadataProxy.class.getName());

    /** Never forwarded from the guest: identity headers (set by the proxy) and hop-by-hop headers. */
    private static final Set<String> DROPPED_REQUEST_HEADERS = Set.of(
            "x-instance-id", "x-instance-id-signature", "x-tenant-id", "x-forwarded-for",
            "x-metadata-provider", "x-metadata-provider-signature", "forwarded", "x-real-ip",
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "proxy-authorization", "content-length", "expect");
    /** Never copied from the node's answer: hop-by-hop headers and the ones the proxy's server writes itself. */
    private static final Set<String> DROPPED_RESPONSE_HEADERS = Set.of(
            "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
            "content-length", "date");
    private static final int BUFFERED_BODY = 65536;
    private static final String MANAGEMENT_SOCKET = "management";

    private final WebServer server;
    private final GuestListeners listeners;
    private final MappingSource mapping;
    private final Upstreams upstreams;
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong unknownGuests = new AtomicLong();
    private final AtomicLong failovers = new AtomicLong();
    private final AtomicLong guestResets = new AtomicLong();
    private final ConnectionGuard guard;
    private final TokenBuckets rateLimit;
    private final ScheduledExecutorService timer;
    private final boolean management;

    private MetadataProxy(WebServer server, GuestListeners listeners, MappingSource mapping, Upstreams upstreams,
                          ConnectionGuard guard, TokenBuckets rateLimit, ScheduledExecutorService timer,
                          boolean management) {
        this.rateLimit = rateLimit;
        this.management = management;
        this.server = server;
        this.listeners = listeners;
        this.mapping = mapping;
        this.upstreams = upstreams;
        this.guard = guard;
        this.timer = timer;
    }

    /** Starts the proxy; returns when it accepts connections. Throws when the mapping is bad or it cannot bind. */
    public static MetadataProxy start(MetadataProxyConfig config) throws IOException {
        Signer signer = new Signer(config.sharedSecret());
        if (signer.secretEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no shared secret: signatures are the HMAC with an empty key");
        }
        MappingSource mapping = new MappingSource(config.mappingFile().orElse(null), config.mappings(), signer,
                config.reloadInterval());
        long noProject = mapping.current().withoutProject();
        if (noProject > 0) {
            LOG.log(System.Logger.Level.WARNING, noProject + " mapping entries have no project: the service answers "
                    + "their guests with 404, as Nova does for an instance without project");
        }
        Upstreams upstreams = new Upstreams(config.upstreams(), config.connectTimeout(), config.readTimeout(),
                config.downFor(), Duration.ofSeconds(30));
        // A request can arrive between the listener's start and the end of this method: it waits for the proxy.
        CompletableFuture<MetadataProxy> self = new CompletableFuture<>();
        Handler handler = (req, res) -> self.join().handle(req, res);
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "guestdata-proxy-connection-deadlines");
            t.setDaemon(true);
            return t;
        });
        ConnectionGuard guard = new ConnectionGuard(config.connections(), "proxy listener", timer);
        TokenBuckets rateLimit = new TokenBuckets(config.requestRate(), "proxy listener", timer);
        WebServer server;
        try {
            WebServerConfig.Builder builder = WebServer.builder()
                    .featuresDiscoverServices(false)
                    .shutdownHook(false);
            config.listen().configure(builder, socket -> {
                socket
                        // Only the guarded HTTP/1.1 selector: a second candidate would make Helidon wait for the
                        // client's first bytes outside every timeout (MetadataServer does the same).
                        .protocolsDiscoverServices(false)
                        .maxPayloadSize(config.maxRequestBodyBytes())
                        .routing(HttpRouting.builder().addFilter(new ConnectionTearDown()).addFilter(new HostRequired())
                                .any(handler));
                guard.configure(socket, GuestListeners.http1()
                        .maxPrologueLength(8192)
                        .maxHeadersSize(32768)
                        // Forward the request target as the guest wrote it: the service decides what it means.
                        .validatePath(false)
                        .validatePrologue(false));
            });
            config.management().ifPresent(address -> builder.putSocket(MANAGEMENT_SOCKET, socket -> socket
                    .address(address.getAddress())
                    .port(address.getPort())
                    .routing(routing -> routing
                            .addFilter(new ConnectionTearDown())
                            .get("/healthz", (req, res) -> {
                                res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/plain; charset=UTF-8"));
                                res.send("ok\n".getBytes(StandardCharsets.UTF_8));
                            })
                            .get("/metrics", (req, res) -> {
                                res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE,
                                        "text/plain; version=0.0.4; charset=utf-8"));
                                res.send(self.join().metrics().getBytes(StandardCharsets.UTF_8));
                            }))));
            server = builder.build().start();
        } catch (RuntimeException e) {
            self.completeExceptionally(e);
            timer.shutdownNow();
            mapping.close();
            throw e;
        }
        Optional<String> failure = config.listen().startFailure(server,
                config.management().map(address -> Map.of(MANAGEMENT_SOCKET, address)).orElse(Map.of()));
        if (failure.isPresent()) {
            self.completeExceptionally(new IOException("the proxy did not start"));
            server.stop();
            timer.shutdownNow();
            mapping.close();
            throw new IOException(failure.get());
        }
        MetadataProxy proxy = new MetadataProxy(server, config.listen(), mapping, upstreams, guard, rateLimit, timer,
                config.management().isPresent());
        self.complete(proxy);
        return proxy;
    }

    /** The port of the first listen address (the chosen one for port 0). */
    public int port() {
        return server.port();
    }

    /** The guest-facing ports, one per listen address in the configured order. */
    public List<Integer> ports() {
        return listeners.ports(server);
    }

    /** The management port ({@code /healthz}, {@code /metrics}); -1 without a management listener. */
    public int managementPort() {
        return management ? server.port(MANAGEMENT_SOCKET) : -1;
    }

    /** The proxy's counters in the Prometheus text format 0.0.4 (its {@code /metrics}). */
    public String metrics() {
        StringBuilder out = new StringBuilder(1024);
        counter(out, "guestdata_proxy_requests_forwarded_total", "Requests forwarded to a service node.",
                forwarded.get());
        counter(out, "guestdata_proxy_unknown_guests_total", "Requests from an address the mapping does not have (404).",
                unknownGuests.get());
        counter(out, "guestdata_proxy_failovers_total", "Requests tried on another node after one failed.",
                failovers.get());
        counter(out, "guestdata_proxy_guest_resets_total",
                "Requests whose guest closed or reset the connection before the answer was written.", guestResets.get());
        return out + guard.render("guestdata_proxy") + rateLimit.render("guestdata_proxy");
    }

    private static void counter(StringBuilder out, String name, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name)
                .append(" counter\n").append(name).append(' ').append(value).append('\n');
    }

    /** Requests forwarded, requests refused for an unknown guest address, failovers to another node. */
    public long[] counters() {
        return new long[] {forwarded.get(), unknownGuests.get(), failovers.get()};
    }

    /** Guests that closed or reset their connection before their answer was written. */
    public long guestResets() {
        return guestResets.get();
    }

    /** The guest listener's connection limits, with their counters (refused connections, timeouts). */
    public ConnectionGuard connections() {
        return guard;
    }

    /** The guest listener's request rate limit per guest, with its counters. */
    public TokenBuckets rateLimit() {
        return rateLimit;
    }

    /** Re-reads the mapping file now if it changed (tests; otherwise it is checked periodically). */
    public void checkMapping() {
        mapping.check();
    }

    @Override
    public void close() {
        server.stop();
        timer.shutdownNow();
        mapping.close();
        upstreams.close();
    }

    private void handle(ServerRequest req, ServerResponse res) throws IOException {
        try {
            forward(req, res);
        } catch (NodeFailed e) {
            throw e; // logged where it happened; the guest's connection is closed
        } catch (ServerConnectionException | UncheckedIOException | GuestGone e) {
            throw guestGone(req, e);
        }
    }

    /**
     * The guest closed or reset its connection while its request was read or its answer written (a guest can do
     * this at any rate, on answers of any size): counted, logged at DEBUG in one line, never with a stack trace,
     * and ended as Helidon's {@link ServerConnectionException}, which closes the connection without an error answer
     * or a log line of Helidon's own.
     */
    private ServerConnectionException guestGone(ServerRequest req, Exception e) {
        guestResets.incrementAndGet();
        return ClientGone.end(LOG, "guest", req, e);
    }

    private void forward(ServerRequest req, ServerResponse res) throws IOException {
        long now = System.nanoTime();
        InetAddress guestAddress = ((InetSocketAddress) req.remotePeer().address()).getAddress();
        GuestMapping.Guest guest = mapping.current().find(guestAddress);
        boolean head = req.prologue().method() == Method.HEAD;
        int retryAfter = rateLimit.take(guest == null ? GuestMapping.normalise(guestAddress) : guest.instanceId(), now);
        if (retryAfter > 0) {
            res.header(HeaderValues.create(HeaderNames.RETRY_AFTER, Integer.toString(retryAfter)));
            error(req, res, ErrorResponse.TOO_MANY_REQUESTS, head);
            return;
        }
        if (guest == null) {
            unknownGuests.incrementAndGet();
            error(req, res, ErrorResponse.NOT_FOUND, head);
            return;
        }
        byte[] body = readBody(req);
        byte[] requestHead = requestHead(req, guest, IpAddressText.format(GuestMapping.normalise(guestAddress)), body);
        String method = req.prologue().method().text();
        boolean retryable = method.equals("GET") || method.equals("HEAD");
        boolean first = true;
        for (Upstreams.Node node : upstreams.order(guest.instanceId())) {
            if (!first) {
                failovers.incrementAndGet();
            }
            first = false;
            Upstreams.Connection conn = retryable ? node.pooled() : null;
            boolean reused = conn != null;
            while (true) {
                if (conn == null) {
                    try {
                        conn = node.connect();
                    } catch (IOException e) {
                        node.markDown();
                        LOG.log(System.Logger.Level.WARNING, "metadata service node " + node + " refused: " + e
                                + "; trying the next");
                        break;
                    }
                    node.markUp();
                }
                UpstreamResponse answer;
                boolean timedOut = false;
                try {
                    conn.out.write(requestHead);
                    if (body.length > 0) {
                        conn.out.write(body);
                    }
                    conn.out.flush();
                    answer = UpstreamResponse.read(conn.in, head);
                } catch (IOException e) {
                    answer = null;
                    // a node that does not answer within the read timeout is slow or stopped, not a stale connection
                    timedOut = e instanceof SocketTimeoutException;
                    if (!reused || timedOut) {
                        LOG.log(System.Logger.Level.WARNING, "metadata service node " + node + " failed: " + e);
                    }
                }
                if (answer == null) {
                    conn.close();
                    conn = null;
                    if (reused && !timedOut) { // a pooled connection the node had closed: once more on a new one
                        reused = false;
                        continue;
                    }
                    if (retryable) {
                        break; // next node
                    }
                    error(req, res, ErrorResponse.UNKNOWN_ERROR, head);
                    return;
                }
                forwarded.incrementAndGet();
                relay(res, conn, answer, head, Http10Clients.http10(req));
                return;
            }
        }
        LOG.log(System.Logger.Level.ERROR, "no metadata service node answered (" + upstreams.nodes() + ")");
        error(req, res, ErrorResponse.UNKNOWN_ERROR, head);
    }

    /**
     * Sends the node's answer to the guest, then pools or closes the node connection. A guest that goes away is
     * {@link GuestGone}; a node that fails in the middle of a body has the guest's connection closed (its answer is
     * truncated, never completed with something else), logged in one line.
     */
    private static void relay(ServerResponse res, Upstreams.Connection conn, UpstreamResponse answer, boolean head,
                              boolean http10) throws GuestGone {
        boolean reusable = false;
        try {
            res.status(Status.create(answer.status, answer.reason.isEmpty() ? "-" : answer.reason));
            for (String[] h : answer.headers) {
                if (!DROPPED_RESPONSE_HEADERS.contains(h[0].toLowerCase(Locale.ROOT))) {
                    res.header(HeaderValues.create(HeaderNames.create(h[0]), h[1]));
                }
            }
            if (answer.noBody) {
                if (answer.contentLength >= 0) {
                    res.header(HeaderValues.create(HeaderNames.CONTENT_LENGTH, Long.toString(answer.contentLength)));
                }
                reusable = answer.keepAlive;
                toGuest(res::send);
            } else if (answer.contentLength >= 0 && answer.contentLength <= BUFFERED_BODY && !answer.chunked
                    || http10 && (answer.contentLength < 0 || answer.chunked)) {
                byte[] bytes = answer.readBody(conn.in);
                reusable = answer.keepAlive;
                toGuest(() -> res.send(bytes));
            } else {
                if (answer.contentLength >= 0 && !answer.chunked) {
                    res.header(HeaderValues.create(HeaderNames.CONTENT_LENGTH, Long.toString(answer.contentLength)));
                }
                GuestStream out = new GuestStream(res);
                reusable = answer.copyBody(conn.in, out) && answer.keepAlive;
                out.close();
            }
        } catch (GuestGone e) {
            reusable = false;
            throw e;
        } catch (IOException e) {
            reusable = false;
            LOG.log(System.Logger.Level.WARNING, "metadata service node " + conn.node + " failed in the middle of an"
                    + " answer; the guest's connection is closed: " + e);
            throw new NodeFailed(e);
        } finally {
            if (reusable) {
                conn.node.release(conn);
            } else {
                conn.close();
            }
        }
    }

    /** Runs a write to the guest; a failure to write is {@link GuestGone}. */
    private static void toGuest(Runnable write) throws GuestGone {
        try {
            write.run();
        } catch (UncheckedIOException | CloseConnectionException e) {
            throw new GuestGone(e);
        }
    }

    /**
     * A node failed in the middle of an answer: the guest's connection is closed (Helidon's
     * {@link ServerConnectionException}: no error answer can follow a partial one, and no stack trace is logged).
     */
    private static final class NodeFailed extends ServerConnectionException {
        NodeFailed(IOException cause) {
            super("the metadata service node failed in the middle of an answer", cause);
        }
    }

    /** The guest closed or reset its connection while its answer was written. */
    private static final class GuestGone extends IOException {
        GuestGone(Exception cause) {
            super(cause.getCause() != null ? cause.getCause().toString() : cause.toString(), cause);
        }
    }

    /**
     * The guest's side of a streamed answer: Helidon's response stream, whose write failures (unchecked in Helidon)
     * are {@link GuestGone}, so a failed copy says which side failed.
     */
    private static final class GuestStream extends OutputStream {
        private final ServerResponse res;
        private OutputStream out;

        GuestStream(ServerResponse res) {
            this.res = res;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                if (out == null) {
                    out = res.outputStream();
                }
                out.write(b, off, len);
            } catch (IOException | UncheckedIOException | CloseConnectionException e) {
                throw new GuestGone(e);
            }
        }

        @Override
        public void close() throws IOException {
            try {
                if (out == null) {
                    out = res.outputStream(); // an empty streamed body still ends the answer
                }
                out.close();
            } catch (IOException | UncheckedIOException | CloseConnectionException e) {
                throw new GuestGone(e);
            }
        }
    }

    private static byte[] readBody(ServerRequest req) throws IOException {
        if (!req.content().hasEntity()) {
            return new byte[0];
        }
        try (InputStream in = req.content().inputStream()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        }
    }

    /** {@code host:port} of a socket address, an IPv6 host in brackets without its scope (RFC 3986 §3.2.2). */
    private static String authority(InetSocketAddress address) {
        String host = address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            int scope = host.indexOf('%');
            host = "[" + (scope < 0 ? host : host.substring(0, scope)) + "]";
        }
        return host + ":" + address.getPort();
    }

    /** The request line and headers for the node: the guest's, minus identity and hop-by-hop, plus the proxy's. */
    private static byte[] requestHead(ServerRequest req, GuestMapping.Guest guest, String guestAddress, byte[] body) {
        StringBuilder sb = new StringBuilder(512);
        sb.append(req.prologue().method().text()).append(' ').append(target(req)).append(" HTTP/1.1\r\n");
        for (var header : req.headers()) {
            String name = header.name();
            if (DROPPED_REQUEST_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                continue;
            }
            for (String value : header.allValues()) {
                if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0) {
                    continue;
                }
                sb.append(name).append(": ").append(value).append("\r\n");
            }
        }
        if (!req.headers().contains(HeaderNames.HOST)) { // an HTTP/1.0 guest's: HTTP/1.1 requires one (RFC 9112 §3.2)
            sb.append("Host: ").append(authority((InetSocketAddress) req.localPeer().address())).append("\r\n");
        }
        sb.append("X-Instance-ID: ").append(guest.instanceId()).append("\r\n");
        sb.append("X-Tenant-ID: ").append(guest.projectId()).append("\r\n");
        sb.append("X-Instance-ID-Signature: ").append(guest.signature()).append("\r\n");
        sb.append("X-Forwarded-For: ").append(guestAddress).append("\r\n");
        if (body.length > 0 || req.content().hasEntity()) {
            sb.append("Content-Length: ").append(body.length).append("\r\n");
        }
        sb.append("\r\n");
        // Header values reach Helidon as ISO-8859-1 characters of the bytes on the wire: the same bytes go on.
        return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** The request target as the guest sent it: raw path, raw query, raw fragment. */
    private static String target(ServerRequest req) {
        var prologue = req.prologue();
        String target = prologue.uriPath().rawPath();
        String query = prologue.query().rawValue();
        if (query != null && !query.isEmpty()) {
            target += "?" + query;
        }
        if (prologue.fragment().hasValue()) {
            target += "#" + prologue.fragment().rawValue();
        }
        return target;
    }

    private static void error(ServerRequest req, ServerResponse res, ErrorResponse error, boolean head) {
        res.status(Status.create(error.status(), error.title()));
        if (head) {
            res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, "text/html; charset=UTF-8"));
            res.header(HeaderValues.CONTENT_LENGTH_ZERO);
            res.send();
            return;
        }
        ErrorResponse.Rendered r = error.render(req.headers().first(HeaderNames.ACCEPT).orElse(null));
        res.header(HeaderValues.create(HeaderNames.CONTENT_TYPE, r.contentType()));
        res.send(r.body());
    }
}
