package io.guestdata.server.metadata;

import io.guestdata.core.metadata.DynamicVendorData;
import io.guestdata.core.metadata.LookupResult;
import io.guestdata.core.metadata.MetadataAnswer;
import io.guestdata.core.metadata.MetadataPath;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.store.StoreException;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.ServerConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The guest-facing handler: every path and every method answered as Nova's {@code MetadataRequestHandler}
 * answers it (nova-compat.md §2), plus IMDSv2 tokens.
 *
 * <ol>
 *   <li>The path is percent-decoded as Nova's WSGI stack does ({@link RequestPath}), then normalised and routed
 *       to the EC2 or OpenStack tree once ({@link MetadataPath}); {@code /} is answered with the EC2 version list
 *       before anything else.</li>
 *   <li>The requester is identified ({@link Identification.Strategy} of the configured mode); failures are
 *       Nova's 400/403/404.</li>
 *   <li>IMDSv2: {@code PUT /latest/api/token}, and the token check on EC2 paths ({@link TokenPolicy}).</li>
 *   <li>An answer the directory keeps ({@link ServedInstance#answer}), else the instance's {@link MetadataTree}
 *       answers; the password endpoint reads and writes the
 *       {@link PasswordStore}; {@code vendor_data2.json} calls the dynamic targets.</li>
 * </ol>
 * Every method gets the same answer except on the password endpoint; HEAD gets GET's headers without the
 * body. Errors are WebOb's bodies in the form {@code Accept} asks for ({@link ErrorResponse}). A store that fails
 * for now (database unreachable, busy, out of disk) gives 503 with {@code Retry-After} rather than Nova's 500
 * ({@link StoreOutage}): the guest is told to retry, the operator's load balancer sees an outage. An instance (or,
 * until identified, a client address) over its {@link RequestRate} gets WebOb's 429 with {@code Retry-After}.
 */
final class MetadataService implements Handler {
    private static final System.Logger LOG = System.getLogger(MetadataService.class.getName());
    private static final HeaderName ACCEPT = HeaderNames.ACCEPT;
    private static final Map<String, Header> CONTENT_TYPES = new ConcurrentHashMap<>();
    private static final ErrorResponse BAD_PATH = ErrorResponse.badRequest(
            "The request path is not printable ASCII, or not UTF-8 once percent-decoded.");
    private static final ErrorResponse FRAGMENT = ErrorResponse.badRequest(
            "The request target has a fragment (#).");
    private static final ErrorResponse BAD_TTL = ErrorResponse.badRequest(
            "X-aws-ec2-metadata-token-ttl-seconds must be an integer from 1 to 21600.");
    private static final ErrorResponse FORWARDED_TOKEN_REQUEST = ErrorResponse.forbidden(
            "A token request must not carry X-Forwarded-For.");
    private static final ErrorResponse TOKEN_METHOD = new ErrorResponse(405, "Method Not Allowed",
            "Only PUT is allowed here.");
    private static final ErrorResponse NO_TOKEN = new ErrorResponse(401, "Unauthorized",
            "A valid X-aws-ec2-metadata-token is required.");
    private static final ErrorResponse BAD_TOKEN = new ErrorResponse(401, "Unauthorized",
            "The X-aws-ec2-metadata-token is invalid or expired.");

    private final IdentificationMode mode;
    private final Identification.Strategy identification;
    private final PasswordEndpoint passwords;
    private final TokenPolicy tokenPolicy;
    private final MetadataTokens tokens;
    private final DynamicVendorData dynamicVendorData;
    private final ServiceMetrics metrics;
    private final TokenBuckets rateLimit;
    private final StoreOutage storeOutage = new StoreOutage(LOG, "metadata request");

    MetadataService(IdentificationMode mode, Identification.Strategy identification, PasswordStore passwords,
                    TokenPolicy tokenPolicy, MetadataTokens tokens, DynamicVendorData dynamicVendorData,
                    ServiceMetrics metrics, TokenBuckets rateLimit) {
        this.mode = mode;
        this.identification = identification;
        this.passwords = new PasswordEndpoint(passwords);
        this.tokenPolicy = tokenPolicy;
        this.tokens = tokens;
        this.dynamicVendorData = dynamicVendorData;
        this.metrics = metrics;
        this.rateLimit = rateLimit;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = System.nanoTime();
        int status;
        try {
            status = answer(req, res, start);
        } catch (ServerConnectionException | UncheckedIOException e) {
            throw clientGone(req, e);
        }
        metrics.request(status, System.nanoTime() - start);
    }

    /** The answer, or the error answer for a failure; returns the status sent. */
    private int answer(ServerRequest req, ServerResponse res, long start) {
        try {
            return serve(req, res, start);
        } catch (RequestException | ServerConnectionException | UncheckedIOException e) {
            // the HTTP layer's own refusal (its direct handler answers), or the client went away
            throw e;
        } catch (DynamicVendorDataClient.TargetFailure e) {
            return send(req, res, ErrorResponse.UNKNOWN_ERROR); // Nova re-raises: the request fails
        } catch (StoreException.DatabaseError e) {
            if (res.isSent()) {
                throw e;
            }
            if (storeOutage.failed(e)) {
                res.header(StoreOutage.RETRY_AFTER);
                return send(req, res, ErrorResponse.SERVICE_UNAVAILABLE);
            }
            return send(req, res, ErrorResponse.UNKNOWN_ERROR);
        } catch (RuntimeException | IOException e) {
            LOG.log(System.Logger.Level.ERROR, "metadata request " + req.prologue().method().text() + " "
                    + req.prologue().uriPath().rawPath() + " failed", e);
            return res.isSent() ? 500 : send(req, res, ErrorResponse.UNKNOWN_ERROR);
        }
    }

    /**
     * The client closed or reset its connection while its request was read or its answer written: nothing more
     * can be sent. Counted, logged at DEBUG in one line (a guest can do this at any rate: never a stack trace),
     * and ended as Helidon's {@link ServerConnectionException}, which closes the connection without an error
     * answer or a log line of Helidon's own (any other exception would be logged with its stack trace as a failed
     * request).
     */
    private ServerConnectionException clientGone(ServerRequest req, RuntimeException e) {
        metrics.clientReset();
        return ClientGone.end(LOG, "metadata client", req, e);
    }

    /**
     * The answer. Every request takes a token from its requester's bucket first ({@link TokenBuckets}): the
     * instance once identified, else the client address (the TCP peer: in proxy and provider modes, the proxy).
     */
    private int serve(ServerRequest req, ServerResponse res, long now) throws IOException {
        if (req.prologue().fragment().hasValue()) {
            // Under eventlet a '#' is part of the path; Helidon splits it off, and with it whether a '?' came
            // before it (so the path Nova would route cannot be told). RFC 9112 has no fragment in a request.
            return refuse(req, res, FRAGMENT, now);
        }
        Optional<String> decoded = RequestPath.decode(req.prologue().uriPath().rawPath());
        if (decoded.isEmpty()) {
            return refuse(req, res, BAD_PATH, now);
        }
        MetadataPath path = MetadataPath.of(decoded.get());
        if (path.isRoot()) {
            // before (and without) identification
            return throttled(req, res, peer(req), now) ? 429 : found(req, res, MetadataTree.ec2VersionList());
        }
        Identification who = identification.identify(new HelidonRequest(req));
        if (who instanceof Identification.Refused refused) {
            metrics.identificationFailed(mode.label(), refused.reason());
            return refuse(req, res, refused.error(), now);
        }
        Identification.Identified instance = (Identification.Identified) who;
        metrics.identified(mode.label());
        if (throttled(req, res, instance.instance().uuid(), now)) {
            return 429;
        }

        if (tokenPolicy != TokenPolicy.OFF) {
            if (path.normalized().equals(MetadataTokens.TOKEN_PATH)) {
                return tokenRequest(req, res, instance);
            }
            if (path.api() == MetadataPath.Api.EC2) {
                ErrorResponse refused = checkToken(req, instance);
                if (refused != null) {
                    return send(req, res, refused);
                }
            }
        }

        Optional<MetadataAnswer> kept = instance.instance().answer(path, dynamicVendorData != null);
        if (kept.isPresent()) {
            return found(req, res, kept.get().found());
        }
        Optional<MetadataTree> tree = instance.instance().tree();
        if (tree.isEmpty()) {
            return send(req, res, ErrorResponse.NOT_FOUND); // deleted since it was identified
        }
        LookupResult result = tree.get().lookup(path, instance.requesterAddress(), dynamicVendorData);
        return switch (result) {
            case LookupResult.Found f -> found(req, res, f);
            case LookupResult.NotFound n -> send(req, res, ErrorResponse.NOT_FOUND);
            case LookupResult.PasswordEndpoint p -> password(req, res, instance);
        };
    }

    /**
     * Whether {@code requester} is over its request rate; if so, the 429 with {@code Retry-After} has been sent.
     */
    private boolean throttled(ServerRequest req, ServerResponse res, Object requester, long now) {
        int retryAfter = rateLimit.take(requester, now);
        if (retryAfter == 0) {
            return false;
        }
        res.header(HeaderValues.create(HeaderNames.RETRY_AFTER, Integer.toString(retryAfter)));
        send(req, res, ErrorResponse.TOO_MANY_REQUESTS);
        return true;
    }

    /** An answer before identification: the client address's token first, then {@code error}. */
    private int refuse(ServerRequest req, ServerResponse res, ErrorResponse error, long now) {
        return throttled(req, res, peer(req), now) ? 429 : send(req, res, error);
    }

    private static InetAddress peer(ServerRequest req) {
        return IpAddressText.withoutScope(((InetSocketAddress) req.remotePeer().address()).getAddress());
    }

    private int tokenRequest(ServerRequest req, ServerResponse res, Identification.Identified instance) {
        if (req.prologue().method() != Method.PUT) {
            res.header(HeaderValues.create(HeaderNames.ALLOW, "PUT"));
            return send(req, res, TOKEN_METHOD);
        }
        if (instance.forwardedByGuest()) {
            // AWS refuses token PUTs carrying X-Forwarded-For: a request relayed by an open proxy inside the
            // guest (the SSRF case IMDSv2 exists for) usually carries one.
            metrics.token("forwarded");
            return send(req, res, FORWARDED_TOKEN_REQUEST);
        }
        int ttl = MetadataTokens.ttlSeconds(header(req, MetadataTokens.TTL_HEADER));
        if (ttl < 0) {
            metrics.token("bad_ttl");
            return send(req, res, BAD_TTL);
        }
        String token = tokens.issue(UUID.fromString(instance.instance().uuid()), ttl);
        metrics.token("issued");
        res.header(HeaderValues.create(MetadataTokens.TTL_HEADER, Integer.toString(ttl)));
        return found(req, res, new LookupResult.Found(token.getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                LookupResult.TEXT_PLAIN));
    }

    private ErrorResponse checkToken(ServerRequest req, Identification.Identified instance) {
        List<String> presented = req.headers().all(HeaderNames.create(MetadataTokens.TOKEN_HEADER), List::of);
        if (presented.isEmpty()) {
            if (tokenPolicy == TokenPolicy.REQUIRED) {
                metrics.token("missing");
                return NO_TOKEN;
            }
            return null;
        }
        if (presented.size() > 1 || !tokens.valid(presented.getFirst(), UUID.fromString(instance.instance().uuid()))) {
            metrics.token("invalid");
            return BAD_TOKEN;
        }
        return null;
    }

    private int password(ServerRequest req, ServerResponse res, Identification.Identified instance) throws IOException {
        PasswordEndpoint.Outcome outcome = passwords.handle(UUID.fromString(instance.instance().uuid()), new PasswordEndpoint.Upload() {
            @Override
            public String method() {
                return req.prologue().method().text();
            }

            @Override
            public OptionalLong contentLength() {
                return req.headers().contentLength();
            }

            @Override
            public byte[] readAtMost(int limit) throws IOException {
                try (InputStream in = req.content().inputStream()) {
                    return in.readNBytes(limit);
                }
            }
        });
        return switch (outcome) {
            case PasswordEndpoint.Outcome.Body body -> found(req, res,
                    new LookupResult.Found(body.utf8(), PasswordEndpoint.CONTENT_TYPE));
            case PasswordEndpoint.Outcome.Refused refused -> send(req, res, refused.error());
        };
    }

    /** A 200: the bytes and their content type; HEAD gets the same headers and no body. */
    private static int found(ServerRequest req, ServerResponse res, LookupResult.Found found) {
        res.header(contentType(found.contentType()));
        if (req.prologue().method() == Method.HEAD) {
            res.header(HeaderValues.create(HeaderNames.CONTENT_LENGTH, Integer.toString(found.length())));
            res.send();
        } else {
            res.send(found.sharedBody());
        }
        return 200;
    }

    /**
     * An error as WebOb renders it for this request's {@code Accept}; for HEAD, WebOb's empty
     * {@code text/html} answer.
     */
    private static int send(ServerRequest req, ServerResponse res, ErrorResponse error) {
        res.status(Status.create(error.status(), error.title()));
        if (req.prologue().method() == Method.HEAD) {
            res.header(contentType(ErrorResponse.TEXT_HTML));
            res.header(HeaderValues.CONTENT_LENGTH_ZERO);
            res.send();
        } else {
            ErrorResponse.Rendered r = error.render(header(req, ACCEPT));
            res.header(contentType(r.contentType()));
            res.send(r.body());
        }
        return error.status();
    }

    private static Header contentType(String value) {
        return CONTENT_TYPES.computeIfAbsent(value, v -> HeaderValues.create(HeaderNames.CONTENT_TYPE, v));
    }

    private static String header(ServerRequest req, String name) {
        return header(req, HeaderNames.create(name));
    }

    private static String header(ServerRequest req, HeaderName name) {
        List<String> values = req.headers().all(name, List::of);
        return values.isEmpty() ? null : String.join(",", values);
    }

    /** The request as identification sees it. */
    private record HelidonRequest(ServerRequest req) implements Identification.Request {
        @Override
        public InetAddress peer() {
            return ((InetSocketAddress) req.remotePeer().address()).getAddress();
        }

        @Override
        public List<String> headers(String name) {
            return req.headers().all(HeaderNames.create(name), List::of);
        }
    }
}
