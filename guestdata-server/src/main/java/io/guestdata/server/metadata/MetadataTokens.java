package io.guestdata.server.metadata;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * IMDSv2 session tokens: stateless, bound to one instance and an expiry by an HMAC, so a token obtained by
 * one instance is worthless to another, and nothing is stored per token.
 *
 * <p>A token is base64url (no padding) of {@code version (1) | expiry, epoch seconds (8) | random (16) |
 * HMAC-SHA256(key, "guestdata-imdsv2" | instance UUID (16) | version | expiry | random) (32)}, 76 characters.
 * The key is random per process unless configured (tokens then die with a restart, which clients handle:
 * a 401 makes cloud-init fetch a new token).
 */
final class MetadataTokens {
    static final String TOKEN_PATH = "/latest/api/token";
    static final String TOKEN_HEADER = "X-aws-ec2-metadata-token";
    static final String TTL_HEADER = "X-aws-ec2-metadata-token-ttl-seconds";
    static final int MAX_TTL_SECONDS = 21600;

    private static final byte VERSION = 1;
    private static final int RANDOM_BYTES = 16;
    private static final int MAC_BYTES = 32;
    private static final int TOKEN_BYTES = 1 + 8 + RANDOM_BYTES + MAC_BYTES;
    private static final byte[] CONTEXT = "guestdata-imdsv2".getBytes(StandardCharsets.US_ASCII);

    private final Mac prepared;
    private final Clock clock;
    private final SecureRandom random;

    MetadataTokens(byte[] key, Clock clock, SecureRandom random) {
        if (key.length < 32) {
            throw new IllegalArgumentException("the token key must have at least 32 bytes, has " + key.length);
        }
        this.clock = clock;
        this.random = random;
        try {
            prepared = Mac.getInstance("HmacSHA256");
            prepared.init(new SecretKeySpec(key, "HmacSHA256"));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    /**
     * The TTL header's value, as AWS accepts it: an integer from 1 to 21600.
     *
     * @return the seconds, or -1 when missing or invalid (a 400)
     */
    static int ttlSeconds(String header) {
        if (header == null || header.isEmpty() || header.length() > 5 || !header.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return -1;
        }
        int ttl = Integer.parseInt(header);
        return ttl >= 1 && ttl <= MAX_TTL_SECONDS ? ttl : -1;
    }

    String issue(UUID instance, int ttlSeconds) {
        long expiry = clock.instant().getEpochSecond() + ttlSeconds;
        byte[] nonce = new byte[RANDOM_BYTES];
        random.nextBytes(nonce);
        ByteBuffer token = ByteBuffer.allocate(TOKEN_BYTES);
        token.put(VERSION).putLong(expiry).put(nonce).put(mac(instance, expiry, nonce));
        return Base64.getUrlEncoder().withoutPadding().encodeToString(token.array());
    }

    /** Whether {@code token} was issued by this key for {@code instance} and has not expired. */
    boolean valid(String token, UUID instance) {
        if (token == null || token.length() > 2 * TOKEN_BYTES) {
            return false;
        }
        byte[] raw;
        try {
            raw = Base64.getUrlDecoder().decode(token);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (raw.length != TOKEN_BYTES || raw[0] != VERSION) {
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(raw);
        b.get();
        long expiry = b.getLong();
        byte[] nonce = new byte[RANDOM_BYTES];
        b.get(nonce);
        byte[] mac = new byte[MAC_BYTES];
        b.get(mac);
        return MessageDigest.isEqual(mac, mac(instance, expiry, nonce)) && clock.instant().getEpochSecond() < expiry;
    }

    private byte[] mac(UUID instance, long expiry, byte[] nonce) {
        Mac m;
        try {
            m = (Mac) prepared.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("HmacSHA256 Mac is not cloneable", e);
        }
        m.update(CONTEXT);
        m.update(ByteBuffer.allocate(16).putLong(instance.getMostSignificantBits())
                .putLong(instance.getLeastSignificantBits()).array());
        m.update(VERSION);
        m.update(ByteBuffer.allocate(8).putLong(expiry).array());
        m.update(nonce);
        return m.doFinal();
    }
}
