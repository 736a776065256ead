package io.guestdata.inject.net;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * An iSCSI CHAP password ({@link IscsiTarget}), read from a file or an environment variable, never from a command
 * line. It reaches qemu-storage-daemon as a {@code secret} object read from a 0600 file, never as an argument.
 * {@link #toString()} does not show it.
 */
public final class ChapPassword {
    /** The environment variable the CLI reads the password from when no file is given. */
    public static final String ENVIRONMENT_VARIABLE = "GUESTDATA_ISCSI_PASSWORD";
    /** libiscsi keeps at most 255 bytes of a password (MAX_STRING_SIZE). */
    private static final int MAX_BYTES = 255;

    private final byte[] bytes;

    private ChapPassword(byte[] bytes, String source) {
        if (bytes.length == 0) {
            throw new IllegalArgumentException(source + ": the CHAP password is empty");
        }
        if (bytes.length > MAX_BYTES) {
            throw new IllegalArgumentException(source + ": the CHAP password has " + bytes.length + " bytes; libiscsi"
                    + " takes at most " + MAX_BYTES);
        }
        for (byte b : bytes) {
            if (b == 0 || b == '\n' || b == '\r') {
                throw new IllegalArgumentException(source + ": the CHAP password holds a NUL or a line break (only"
                        + " one final line break is dropped)");
            }
        }
        this.bytes = bytes;
    }

    /**
     * The password in {@code file}: its bytes, less one final line break ({@code \n} or {@code \r\n}).
     *
     * @throws IOException the file cannot be read
     * @throws IllegalArgumentException the password is empty, too long, or holds a NUL or another line break
     */
    public static ChapPassword fromFile(Path file) throws IOException {
        long size = Files.size(file);
        if (size > MAX_BYTES + 2) {
            throw new IllegalArgumentException(file + ": the CHAP password file has " + size + " bytes; libiscsi"
                    + " takes a password of at most " + MAX_BYTES);
        }
        byte[] b = Files.readAllBytes(file);
        int n = b.length;
        if (n > 0 && b[n - 1] == '\n') {
            n--;
            if (n > 0 && b[n - 1] == '\r') {
                n--;
            }
        }
        return new ChapPassword(Arrays.copyOf(b, n), file.toString());
    }

    /** The password in {@link #ENVIRONMENT_VARIABLE}, if it is set and not empty. */
    public static Optional<ChapPassword> fromEnvironment(Map<String, String> environment) {
        String value = environment.get(ENVIRONMENT_VARIABLE);
        if (value == null || value.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new ChapPassword(value.getBytes(StandardCharsets.UTF_8), ENVIRONMENT_VARIABLE));
    }

    /** A copy of the password's bytes. */
    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public String toString() {
        return "ChapPassword[hidden]";
    }
}
