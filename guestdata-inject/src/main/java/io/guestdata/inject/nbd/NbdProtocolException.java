package io.guestdata.inject.nbd;

import java.io.IOException;

/** A client broke the NBD protocol; the server closes that connection (and only that one). */
public final class NbdProtocolException extends IOException {
    public NbdProtocolException(String message) {
        super(message);
    }
}
