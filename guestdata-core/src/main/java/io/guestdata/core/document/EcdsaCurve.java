package io.guestdata.core.document;

import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.spec.ECFieldFp;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.EllipticCurve;
import java.util.Optional;

/**
 * The NIST curves OpenSSH uses for ECDSA keys (RFC 5656 §6.1, §10.1): the SSH key type, the
 * curve identifier inside the blob, and the JDK's name for the curve's parameters.
 */
enum EcdsaCurve {
    NISTP256("ecdsa-sha2-nistp256", "nistp256", "secp256r1", 32),
    NISTP384("ecdsa-sha2-nistp384", "nistp384", "secp384r1", 48),
    NISTP521("ecdsa-sha2-nistp521", "nistp521", "secp521r1", 66);

    final String keyType;
    final String identifier;
    final String standardName;
    /** Bytes of one coordinate: ceil(field bits / 8). */
    final int coordinateBytes;

    EcdsaCurve(String keyType, String identifier, String standardName, int coordinateBytes) {
        this.keyType = keyType;
        this.identifier = identifier;
        this.standardName = standardName;
        this.coordinateBytes = coordinateBytes;
    }

    static Optional<EcdsaCurve> ofKeyType(String keyType) {
        for (EcdsaCurve curve : values()) {
            if (curve.keyType.equals(keyType)) {
                return Optional.of(curve);
            }
        }
        return Optional.empty();
    }

    /** The curve's domain parameters, from the JDK's own table (SEC 2 §2.4). */
    ECParameterSpec parameters() {
        try {
            AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
            params.init(new ECGenParameterSpec(standardName));
            return params.getParameterSpec(ECParameterSpec.class);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK has no parameters for " + standardName, e);
        }
    }

    /**
     * Whether the affine point (x, y) is on the curve: both coordinates in the field and
     * y² ≡ x³ + ax + b (mod p) (SEC 1 §3.2.2.1 step 2–3). These curves have cofactor 1, so every
     * such point generates the whole group and no further order check is needed.
     */
    boolean contains(BigInteger x, BigInteger y) {
        EllipticCurve curve = parameters().getCurve();
        BigInteger p = ((ECFieldFp) curve.getField()).getP();
        if (x.signum() < 0 || x.compareTo(p) >= 0 || y.signum() < 0 || y.compareTo(p) >= 0) {
            return false;
        }
        BigInteger left = y.multiply(y).mod(p);
        BigInteger right = x.pow(3).add(curve.getA().multiply(x)).add(curve.getB()).mod(p);
        return left.equals(right);
    }
}
