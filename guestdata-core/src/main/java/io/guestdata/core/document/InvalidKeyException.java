package io.guestdata.core.document;

/**
 * An OpenSSH public key line was refused. The message says what is wrong with it (the wire field
 * that is malformed, the modulus that is too short, the point that is not on the curve…).
 */
public final class InvalidKeyException extends Exception {

    public InvalidKeyException(String reason) {
        super(reason);
    }
}
