package io.guestdata.store.jdbc;

import io.guestdata.core.KeyPair;
import io.guestdata.core.document.InvalidKeyException;
import io.guestdata.core.document.KeyPairNames;
import io.guestdata.core.document.SshPublicKeys;
import io.guestdata.store.StoreException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Nova's checks on an imported key pair (nova-compat.md §8, microversion ≥ 2.92): the name rule,
 * the type, and a public key that loads, with Nova's fingerprint.
 */
final class KeyPairRules {

    static final String SSH = "ssh";
    static final String X509 = "x509";
    /** Owners are caller-chosen ids (a user or project id); Nova's user_id column is 255 characters. */
    static final int MAX_OWNER_LENGTH = 255;
    private static final String PEM_CERTIFICATE = "-----BEGIN CERTIFICATE-----";

    private KeyPairRules() {
    }

    /**
     * The key pair to store.
     *
     * @throws StoreException.Invalid naming {@code name}, {@code type} or {@code public_key}
     */
    static KeyPair check(String name, String type, String publicKey) {
        checkName(name);
        if (publicKey == null || publicKey.isBlank()) {
            throw new StoreException.Invalid("public_key", "key_pair.public_key.required",
                    "a public key is required (key pairs are imported, not generated, from microversion 2.92)");
        }
        return switch (type) {
            case SSH -> ssh(name, publicKey);
            case X509 -> x509(name, publicKey);
            case null -> throw invalidType("nothing");
            default -> throw invalidType("'" + type + "'");
        };
    }

    /** @throws StoreException.Invalid when {@code name} breaks Nova's key pair name rule */
    static void checkName(String name) {
        if (name == null) {
            throw new StoreException.Invalid("name", "key_pair.name", "a key pair name is required");
        }
        Optional<String> problem = KeyPairNames.problem(name);
        if (problem.isPresent()) {
            throw new StoreException.Invalid("name", "key_pair.name", problem.get());
        }
    }

    /** @throws StoreException.Invalid when {@code owner} is empty, too long or has control characters */
    static void checkOwner(String owner) {
        if (owner == null || owner.isEmpty() || owner.length() > MAX_OWNER_LENGTH
                || owner.chars().anyMatch(Character::isISOControl)) {
            throw new StoreException.Invalid("owner", "key_pair.owner",
                    "a key pair owner is 1 to " + MAX_OWNER_LENGTH + " characters without control characters");
        }
    }

    private static StoreException.Invalid invalidType(String given) {
        return new StoreException.Invalid("type", "key_pair.type",
                "a key pair type is 'ssh' or 'x509', not " + given);
    }

    private static KeyPair ssh(String name, String publicKey) {
        try {
            return SshPublicKeys.parse(name, publicKey);
        } catch (InvalidKeyException e) {
            throw invalidKey(e.getMessage());
        }
    }

    /**
     * Nova loads the text with cryptography's {@code load_pem_x509_certificate} and fingerprints the
     * SHA-1 of the certificate's DER encoding.
     */
    private static KeyPair x509(String name, String publicKey) {
        String pem = publicKey.strip();
        if (!pem.startsWith(PEM_CERTIFICATE)) {
            throw invalidKey("an x509 key pair is a PEM certificate starting with " + PEM_CERTIFICATE);
        }
        X509Certificate certificate;
        try {
            certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
            return new KeyPair(name, X509, pem, sha1Hex(certificate.getEncoded()));
        } catch (CertificateException e) {
            throw invalidKey("the certificate does not load: " + e.getMessage());
        }
    }

    private static StoreException.Invalid invalidKey(String reason) {
        return new StoreException.Invalid("public_key", "key_pair.public_key", "Keypair data is invalid: " + reason);
    }

    private static String sha1Hex(byte[] der) {
        try {
            return HexFormat.ofDelimiter(":").formatHex(MessageDigest.getInstance("SHA-1").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-1", e);
        }
    }
}
