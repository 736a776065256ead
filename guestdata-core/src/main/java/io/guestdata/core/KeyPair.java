package io.guestdata.core;

import java.util.Objects;

/**
 * A named public key as Nova stores a key pair.
 *
 * @param name        key pair name (Nova's name rules)
 * @param type        {@code "ssh"} or {@code "x509"}
 * @param publicKey   the public key text as given, trimmed (OpenSSH one-line form for ssh)
 * @param fingerprint Nova's fingerprint: MD5 of the decoded key blob for ssh, SHA-1 of the DER
 *                    for x509, lowercase hex pairs joined by {@code :}
 */
public record KeyPair(String name, String type, String publicKey, String fingerprint) {
    public KeyPair {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(publicKey, "publicKey");
        Objects.requireNonNull(fingerprint, "fingerprint");
    }
}
