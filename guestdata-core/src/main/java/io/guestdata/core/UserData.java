package io.guestdata.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * User data as Nova keeps it: the base64 text as submitted (sent as-is to dynamic vendor data
 * services) and the bytes it decodes to (what the guest receives).
 *
 * @param base64 the base64 text exactly as submitted
 * @param bytes  the decoded bytes
 */
public record UserData(String base64, byte[] bytes) {
    public UserData {
        Objects.requireNonNull(base64, "base64");
        bytes = bytes.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public byte[] bytes() {
        return bytes.clone();
    }

    public int size() {
        return bytes.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UserData other && base64.equals(other.base64) && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return base64.hashCode();
    }

    @Override
    public String toString() {
        return "UserData[" + bytes.length + " bytes]";
    }
}
