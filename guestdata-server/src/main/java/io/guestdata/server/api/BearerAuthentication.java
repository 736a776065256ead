package io.guestdata.server.api;

import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderNames;
import io.helidon.http.PathMatcher;
import io.helidon.http.PathMatchers;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;

/**
 * The management API's authentication (RFC 6750 §2.1, the {@code Authorization: Bearer} field): a routing filter
 * that lets a request below the API's mount path through only with the one shared token, so every route there,
 * present or added later, is covered without code of its own. Other paths of the routing pass untouched. A refusal is
 * answered here, 401 with {@code WWW-Authenticate} (RFC 6750 §3: {@code error="invalid_token"} when a token was
 * presented), and the chain does not proceed.
 *
 * <p>The token is compared as its SHA-256 digest, in constant time ({@link MessageDigest#isEqual}).
 */
final class BearerAuthentication implements Filter {
    private static final String REALM = "Bearer realm=\"guestdata\"";

    private final PathMatcher guarded;
    private final byte[] tokenDigest;

    /**
     * @param mountPath the API's path prefix ({@code /v1}): it and everything below it is guarded
     * @param token     the bearer token: non-empty printable ASCII without spaces
     */
    BearerAuthentication(String mountPath, String token) {
        Objects.requireNonNull(token, "token");
        if (token.isBlank() || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("the bearer token must be non-empty printable ASCII without spaces");
        }
        this.guarded = PathMatchers.prefix(mountPath + "/");
        this.tokenDigest = sha256(token.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (!guards(req.prologue().uriPath())) {
            chain.proceed();
            return;
        }
        Optional<String> header = req.headers().first(HeaderNames.AUTHORIZATION);
        String presented = header.map(BearerAuthentication::bearerToken).orElse(null);
        if (presented != null
                && MessageDigest.isEqual(tokenDigest, sha256(presented.getBytes(StandardCharsets.UTF_8)))) {
            chain.proceed();
            return;
        }
        res.header(HeaderNames.WWW_AUTHENTICATE, header.isEmpty() ? REALM : REALM + ", error=\"invalid_token\"");
        ApiErrorHandlers.send(req, res, new ApiError(401, "unauthorized", header.isEmpty()
                ? "this API needs an Authorization: Bearer <token> header"
                : "the bearer token is not valid"));
    }

    /** Whether a request for {@code path} needs the token. */
    boolean guards(UriPath path) {
        return guarded.match(path).accepted();
    }

    /** The token of an {@code Authorization: Bearer <token>} value (scheme case-insensitive), or null. */
    static String bearerToken(String value) {
        String v = value.strip();
        int space = v.indexOf(' ');
        if (space < 0 || !v.substring(0, space).equalsIgnoreCase("Bearer")) {
            return null;
        }
        String token = v.substring(space + 1).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
