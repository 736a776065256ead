package io.guestdata.drive.iso9660;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * What an ISO 9660 image says about itself, beside its files.
 *
 * <p>The identifiers are recorded as given, in ASCII, like {@code genisoimage} does (it writes
 * {@code -V config-2} in lower case although ECMA-119 §7.4.1 d-characters are upper case; blkid and
 * cloud-init look for the lower-case label). The Joliet supplementary volume descriptor holds the
 * same identifiers in UCS-2, cut to its field size as {@code genisoimage} does: volume identifier
 * 16 characters, publisher and application identifier 64.
 *
 * @param volumeId      ECMA-119 §8.4.6 volume identifier, 1..32 printable ASCII characters
 * @param publisher     §8.4.14 publisher identifier, 0..128 printable ASCII characters; Nova
 *                      records {@code "<product> <version>"}
 * @param recordedAt    creation, modification and effective date of the volume (§8.4.26..§8.4.29)
 *                      and recording date of every directory record (§9.1.5) and Rock Ridge
 *                      {@code TF} entry; years 1900..2155
 * @param applicationId §8.4.20 application identifier, 0..128 printable ASCII characters
 */
public record IsoOptions(String volumeId, String publisher, Instant recordedAt, String applicationId) {
    /** The volume identifier Nova gives config drives and cloud-init looks for. */
    public static final String CONFIG_DRIVE_VOLUME_ID = "config-2";
    /** The application identifier {@link #configDrive(String)} records. */
    public static final String APPLICATION_ID = "GUESTDATA ISO 9660 WRITER";

    static final int VOLUME_ID_LENGTH = 32;
    static final int IDENTIFIER_LENGTH = 128;

    public IsoOptions {
        Objects.requireNonNull(volumeId, "volumeId");
        Objects.requireNonNull(publisher, "publisher");
        Objects.requireNonNull(recordedAt, "recordedAt");
        Objects.requireNonNull(applicationId, "applicationId");
        requirePrintableAscii("volumeId", volumeId, 1, VOLUME_ID_LENGTH);
        requirePrintableAscii("publisher", publisher, 0, IDENTIFIER_LENGTH);
        requirePrintableAscii("applicationId", applicationId, 0, IDENTIFIER_LENGTH);
        IsoDateTime.of(recordedAt);
    }

    /**
     * Options for an OpenStack config drive: volume identifier {@code config-2}, the given
     * publisher (Nova: {@code "OpenStack Nova 26.2.2"}), recorded now (whole seconds).
     */
    public static IsoOptions configDrive(String publisher) {
        return new IsoOptions(CONFIG_DRIVE_VOLUME_ID, publisher, Instant.now().truncatedTo(ChronoUnit.SECONDS),
                APPLICATION_ID);
    }

    private static void requirePrintableAscii(String field, String value, int min, int max) {
        if (value.length() < min || value.length() > max) {
            throw new IllegalArgumentException(field + " \"" + value + "\" has " + value.length()
                    + " characters; ECMA-119 allows " + min + ".." + max);
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw new IllegalArgumentException(field + " \"" + value + "\" has the character U+"
                        + String.format("%04X", (int) c) + " at " + i + "; only printable ASCII can be recorded");
            }
        }
    }
}
