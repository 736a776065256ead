package io.guestdata.server.metadata;

/**
 * IMDSv2 session tokens on the EC2 API (AWS's {@code HttpTokens}), one setting for the whole service.
 */
public enum TokenPolicy {
    /** No token endpoint; token headers are ignored: exactly Nova. */
    OFF,
    /**
     * Tokens are issued ({@code PUT /latest/api/token}) and checked when presented (an invalid or expired one
     * is a 401), but EC2 requests without one are answered (AWS {@code HttpTokens=optional}).
     */
    OPTIONAL,
    /** EC2 requests must carry a valid token, else 401 (AWS {@code HttpTokens=required}). */
    REQUIRED
}
