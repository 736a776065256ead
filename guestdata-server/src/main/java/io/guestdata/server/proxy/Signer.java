package io.guestdata.server.proxy;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.SecretKey;

/**
 * {@code X-Instance-ID-Signature}: lowercase hex of HMAC-SHA256 of the UTF-8 instance id, keyed with the UTF-8
 * shared secret (Neutron's {@code metadata_proxy_shared_secret}; nova-compat.md §2.3). An empty secret is an
 * empty key, as in Nova. Signatures are computed once per mapping entry, when the mapping is loaded.
 */
public final class Signer {
    private final byte[] key;

    public Signer(String sharedSecret) {
        this.key = sharedSecret.getBytes(StandardCharsets.UTF_8);
    }

    public boolean secretEmpty() {
        return key.length == 0;
    }

    public synchronized String sign(String id) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new RawKey(key));
            return HexFormat.of().formatHex(mac.doFinal(id.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is required of every Java platform", e);
        }
    }

    /** A raw HMAC key that may be empty ({@link javax.crypto.spec.SecretKeySpec} refuses empty keys). */
    private record RawKey(byte[] bytes) implements SecretKey {
        @Override
        public String getAlgorithm() {
            return "HmacSHA256";
        }

        @Override
        public String getFormat() {
            return "RAW";
        }

        @Override
        public byte[] getEncoded() {
            return bytes.clone();
        }
    }
}
