package io.guestdata.core.document;

import io.guestdata.core.KeyPair;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.util.HexFormat;
import java.util.Set;

/**
 * OpenSSH one-line public keys ({@code <type> <base64 blob> [comment]}, sshd(8) "AUTHORIZED_KEYS
 * FILE FORMAT"), checked as Nova checks an imported key pair: Nova calls cryptography's
 * {@code load_ssh_public_key} and refuses the key when it fails (nova-compat.md §8). This class
 * parses the blob for real, field by field:
 * <ul>
 *   <li>{@code ssh-rsa}: mpint e, mpint n (RFC 4253 §6.6); n ≥ 3, 3 ≤ e &lt; n, e odd (as
 *       cryptography checks) and, stricter than Nova, a modulus of at least 1024 bits;</li>
 *   <li>{@code ssh-dss}: mpint p, q, g, y (RFC 4253 §6.6); p of exactly 1024 bits (cryptography:
 *       "SSH supports only 1024 bit DSA keys"), q of 160, 224 or 256 bits, 1 &lt; g &lt; p,
 *       1 &lt; y &lt; p;</li>
 *   <li>{@code ecdsa-sha2-nistp256/384/521}: string curve identifier equal to the type's curve,
 *       string Q an uncompressed point ({@code 0x04 || x || y}, SEC 1 §2.3.3) that lies on the
 *       curve (RFC 5656 §3.1);</li>
 *   <li>{@code ssh-ed25519}: string of exactly 32 bytes (RFC 8709 §4).</li>
 * </ul>
 * The type string inside the blob must equal the line's type, and no bytes may follow the last
 * field. The line must start with the type (no options, no leading whitespace, as cryptography
 * requires), and type and blob must be separated by exactly one space: Nova fingerprints
 * {@code text.split(' ')[1]}, which for a tab or a double space would be the wrong field.
 * OpenSSH certificates ({@code *-cert-v01@openssh.com}) and security-key types are refused.
 */
public final class SshPublicKeys {

    static final Set<String> TYPES = Set.of("ssh-rsa", "ssh-dss", "ecdsa-sha2-nistp256",
            "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-ed25519");
    static final int MIN_RSA_MODULUS_BITS = 1024;
    private static final int ED25519_KEY_BYTES = 32;

    private SshPublicKeys() {
    }

    /**
     * Parses and checks one OpenSSH public key line.
     *
     * @param name the key pair name to give it (not checked here; see {@link KeyPairNames})
     * @param text the key line; trailing whitespace (such as the newline of a {@code .pub} file)
     *             is removed
     * @return a key pair of type {@code ssh} carrying the trimmed text and Nova's MD5 fingerprint
     * @throws InvalidKeyException with the reason when the line is not a valid key
     */
    public static KeyPair parse(String name, String text) throws InvalidKeyException {
        String line = text.stripTrailing();
        if (line.isEmpty()) {
            throw new InvalidKeyException("the key text is empty");
        }
        if (line.indexOf('\n') >= 0 || line.indexOf('\r') >= 0) {
            throw new InvalidKeyException("the key text must be a single line");
        }
        if (Character.isWhitespace(line.charAt(0))) {
            throw new InvalidKeyException("the key text must start with the key type, not whitespace");
        }
        int firstSpace = line.indexOf(' ');
        String type = firstSpace < 0 ? line : line.substring(0, firstSpace);
        if (type.chars().anyMatch(Character::isWhitespace)) {
            throw new InvalidKeyException("key type and key data must be separated by a single space");
        }
        if (!TYPES.contains(type)) {
            throw new InvalidKeyException("unsupported key type '" + type + "'; expected one of "
                    + "ssh-rsa, ssh-dss, ecdsa-sha2-nistp256, ecdsa-sha2-nistp384, ecdsa-sha2-nistp521, ssh-ed25519");
        }
        if (firstSpace < 0 || firstSpace == line.length() - 1) {
            throw new InvalidKeyException("the key data (base64) after the key type is missing");
        }
        int blobEnd = line.indexOf(' ', firstSpace + 1);
        String base64 = line.substring(firstSpace + 1, blobEnd < 0 ? line.length() : blobEnd);
        if (base64.isEmpty()) {
            throw new InvalidKeyException("key type and key data must be separated by a single space");
        }
        byte[] blob;
        try {
            blob = Base64Text.decodeStrict(base64);
        } catch (Base64Text.MalformedException e) {
            throw new InvalidKeyException("the key data is not valid base64: " + e.getMessage());
        }
        checkBlob(type, blob);
        return new KeyPair(name, "ssh", line, md5Fingerprint(line));
    }

    /**
     * Nova's fingerprint of an ssh key ({@code nova.crypto.generate_fingerprint}): MD5 of the
     * base64-decoded second field of {@code text.split(' ')}, as lowercase hex pairs joined by
     * {@code :}. Decoding is Python's non-strict {@code b64decode}, as in Nova. Equal to
     * {@code ssh-keygen -l -E md5} without its {@code MD5:} prefix.
     *
     * @throws IllegalArgumentException when the text has no second field or it is not base64
     */
    public static String md5Fingerprint(String text) {
        String[] fields = text.split(" ", -1);
        if (fields.length < 2) {
            throw new IllegalArgumentException("the key text has no second space-separated field");
        }
        byte[] blob;
        try {
            blob = Base64Text.decodeLenient(fields[1]);
        } catch (Base64Text.MalformedException e) {
            throw new IllegalArgumentException("the key data is not base64: " + e.getMessage(), e);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("MD5").digest(blob);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JDK has no MD5", e);
        }
        return HexFormat.ofDelimiter(":").formatHex(digest);
    }

    private static void checkBlob(String type, byte[] blob) throws InvalidKeyException {
        SshWireBuffer wire = new SshWireBuffer(blob);
        String inner = wire.text("the key type");
        if (!inner.equals(type)) {
            throw new InvalidKeyException("the key data is a '" + printable(inner)
                    + "' key but the line says '" + type + "'");
        }
        switch (type) {
            case "ssh-rsa" -> checkRsa(wire);
            case "ssh-dss" -> checkDsa(wire);
            case "ssh-ed25519" -> checkEd25519(wire);
            default -> checkEcdsa(EcdsaCurve.ofKeyType(type).orElseThrow(), wire);
        }
        wire.requireEnd();
    }

    private static void checkRsa(SshWireBuffer wire) throws InvalidKeyException {
        BigInteger e = wire.positiveMpint("RSA exponent e");
        BigInteger n = wire.positiveMpint("RSA modulus n");
        if (n.bitLength() < MIN_RSA_MODULUS_BITS) {
            throw new InvalidKeyException("RSA modulus is " + n.bitLength() + " bits; at least "
                    + MIN_RSA_MODULUS_BITS + " bits are required");
        }
        if (e.compareTo(BigInteger.valueOf(3)) < 0 || e.compareTo(n) >= 0 || !e.testBit(0)) {
            throw new InvalidKeyException("RSA exponent e must be odd, at least 3 and below the modulus");
        }
    }

    private static void checkDsa(SshWireBuffer wire) throws InvalidKeyException {
        BigInteger p = wire.positiveMpint("DSA prime p");
        BigInteger q = wire.positiveMpint("DSA subprime q");
        BigInteger g = wire.positiveMpint("DSA generator g");
        BigInteger y = wire.positiveMpint("DSA public value y");
        if (p.bitLength() != 1024) {
            throw new InvalidKeyException("DSA prime p is " + p.bitLength() + " bits; SSH supports only 1024-bit DSA keys");
        }
        int qBits = q.bitLength();
        if (qBits != 160 && qBits != 224 && qBits != 256) {
            throw new InvalidKeyException("DSA subprime q is " + qBits + " bits; it must be 160, 224 or 256 bits");
        }
        if (g.compareTo(BigInteger.ONE) <= 0 || g.compareTo(p) >= 0) {
            throw new InvalidKeyException("DSA generator g must satisfy 1 < g < p");
        }
        if (y.compareTo(BigInteger.ONE) <= 0 || y.compareTo(p) >= 0) {
            throw new InvalidKeyException("DSA public value y must satisfy 1 < y < p");
        }
    }

    private static void checkEcdsa(EcdsaCurve curve, SshWireBuffer wire) throws InvalidKeyException {
        String identifier = wire.text("the curve identifier");
        if (!identifier.equals(curve.identifier)) {
            throw new InvalidKeyException("the key data names curve '" + printable(identifier)
                    + "' but the key type is " + curve.keyType);
        }
        byte[] q = wire.string("the public point Q");
        if (q.length == 0 || q[0] != 0x04) {
            throw new InvalidKeyException("the public point is not in uncompressed form (0x04 || x || y)");
        }
        if (q.length != 1 + 2 * curve.coordinateBytes) {
            throw new InvalidKeyException("the public point is " + q.length + " bytes; " + curve.identifier
                    + " needs " + (1 + 2 * curve.coordinateBytes));
        }
        BigInteger x = new BigInteger(1, q, 1, curve.coordinateBytes);
        BigInteger y = new BigInteger(1, q, 1 + curve.coordinateBytes, curve.coordinateBytes);
        if (!curve.contains(x, y)) {
            throw new InvalidKeyException("the public point is not on curve " + curve.identifier);
        }
        try {
            KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(new ECPoint(x, y), curve.parameters()));
        } catch (GeneralSecurityException e) {
            throw new InvalidKeyException("the JDK refuses the public point: " + e.getMessage());
        }
    }

    private static void checkEd25519(SshWireBuffer wire) throws InvalidKeyException {
        byte[] key = wire.string("the Ed25519 public key");
        if (key.length != ED25519_KEY_BYTES) {
            throw new InvalidKeyException("the Ed25519 public key is " + key.length + " bytes; it must be "
                    + ED25519_KEY_BYTES);
        }
    }

    private static String printable(String text) {
        StringBuilder out = new StringBuilder();
        text.chars().limit(64).forEach(c -> out.append(c >= 0x20 && c < 0x7f ? String.valueOf((char) c)
                : String.format("\\x%02x", c)));
        return out.toString();
    }
}
