package io.guestdata.server.metadata;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The metadata proxy's signature (nova-compat.md §2.3): {@code lowercase_hex(HMAC-SHA256(key = UTF-8 of the
 * shared secret, message = UTF-8 of the id))}, where the id is {@code X-Instance-ID} (Neutron's proxy) or
 * {@code X-Metadata-Provider} (provider mode).
 *
 * <p>The comparison is of the hex text, in constant time and case-sensitive, as Nova's: an uppercase-hex
 * signature is refused. An empty secret is still a key: the HMAC with an empty key.
 *
 * <p>Each check clones a prepared {@link Mac} (the key schedule is done once): requests run on their own
 * virtual threads, so a {@code ThreadLocal} would be rebuilt for every request.
 */
final class ProxySignature {
    private static final String ALGORITHM = "HmacSHA256";
    private static final HexFormat HEX = HexFormat.of(); // lowercase

    private final Mac prepared;
    private final boolean secretEmpty;

    ProxySignature(String sharedSecret) {
        byte[] key = sharedSecret.getBytes(StandardCharsets.UTF_8);
        this.secretEmpty = key.length == 0;
        try {
            this.prepared = Mac.getInstance(ALGORITHM);
            // SecretKeySpec refuses an empty key; HMAC itself does not (RFC 2104 pads any key to the block size).
            prepared.init(key.length == 0 ? new EmptyKey() : new SecretKeySpec(key, ALGORITHM));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    boolean secretEmpty() {
        return secretEmpty;
    }

    /** The signature Nova expects for {@code id}. */
    String sign(String id) {
        return HEX.formatHex(mac().doFinal(id.getBytes(StandardCharsets.UTF_8)));
    }

    /** Whether {@code signature} is exactly the expected lowercase hex; null or empty is never valid. */
    boolean verify(String id, String signature) {
        if (signature == null || signature.isEmpty()) {
            return false;
        }
        byte[] expected = sign(id).getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(expected, signature.getBytes(StandardCharsets.UTF_8));
    }

    private Mac mac() {
        try {
            return (Mac) prepared.clone();
        } catch (CloneNotSupportedException e) {
            // Every JDK provider's HMAC is cloneable (SunJCE, and the FIPS providers).
            throw new IllegalStateException("HmacSHA256 Mac is not cloneable", e);
        }
    }

    /** A zero-length HMAC key, which {@link SecretKeySpec} cannot express. */
    private static final class EmptyKey implements javax.crypto.SecretKey {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        @Override
        public String getAlgorithm() {
            return ALGORITHM;
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return new byte[0];
        }
    }
}
