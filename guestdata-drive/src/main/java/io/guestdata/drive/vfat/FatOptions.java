package io.guestdata.drive.vfat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Objects;

/**
 * How a {@link VfatWriter} formats a volume. The same options and the same files give the same
 * bytes: nothing is taken from the clock or the host except through these values.
 *
 * @param volumeLabel      up to 11 ASCII characters, or null (or empty) for none; stored as given,
 *                         lower case included, in the boot sector ({@code BS_VolLab}) and in the
 *                         root directory's volume label entry, as {@code mkfs.fat -n} 4.x does, so
 *                         {@code blkid} reports {@code LABEL="config-2"} as it does for Nova's drives
 * @param recordedAt       time stamp of every directory entry (stored as UTC, 2-second resolution,
 *                         clamped to 1980..2107)
 * @param volumeId         the volume serial number ({@code BS_VolID}; blkid's {@code UUID})
 * @param minimumSizeBytes the image is at least this big (rounded up to 4 KiB) and grows to fit the
 *                         content; see {@link VfatWriter} for the sizing policy. 0 gives the smallest
 *                         volume that holds the content
 */
public record FatOptions(String volumeLabel, Instant recordedAt, int volumeId, long minimumSizeBytes) {
    /** The label Nova gives config drives, and cloud-init and cloudbase-init look for. */
    public static final String CONFIG_DRIVE_LABEL = "config-2";
    /** Nova's config drive size: {@code CONFIGDRIVESIZE_BYTES}, 64 MiB. */
    public static final long NOVA_SIZE_BYTES = 64L << 20;
    /** The largest image the writer makes: 2 TiB − 4 KiB (FAT32, 32-bit sector count). */
    public static final long MAX_SIZE_BYTES = VolumeSizing.MAX_IMAGE_BYTES;
    /** Characters the spec forbids in a short name, which a label is ("Name Limits and Character Sets"). */
    private static final String FORBIDDEN_IN_LABEL = "\"*+,./:;<=>?[\\]|";

    public FatOptions {
        Objects.requireNonNull(recordedAt, "recordedAt");
        if (volumeLabel != null && !volumeLabel.isEmpty()) {
            checkLabel(volumeLabel);
        }
        if (minimumSizeBytes < 0 || minimumSizeBytes > MAX_SIZE_BYTES) {
            throw new IllegalArgumentException("minimumSizeBytes " + minimumSizeBytes + " is outside 0.."
                    + MAX_SIZE_BYTES + " (2 TiB − 4 KiB, the largest FAT32 volume this writer makes)");
        }
    }

    /** Nova's config drive: label {@code config-2}, 64 MiB, time stamps and serial from now. */
    public static FatOptions configDrive() {
        return configDrive(Instant.now());
    }

    /** Nova's config drive recorded at a given time, for reproducible images. */
    public static FatOptions configDrive(Instant recordedAt) {
        return new FatOptions(CONFIG_DRIVE_LABEL, recordedAt, volumeIdFor(recordedAt), NOVA_SIZE_BYTES);
    }

    public FatOptions withMinimumSizeBytes(long bytes) {
        return new FatOptions(volumeLabel, recordedAt, volumeId, bytes);
    }

    public FatOptions withVolumeLabel(String label) {
        return new FatOptions(label, recordedAt, volumeId, minimumSizeBytes);
    }

    /**
     * A serial number from a time, as DOS derived it when formatting: the high word is
     * (month, day) + (seconds, hundredths), the low word (hours, minutes) + year, each pair packed
     * as two bytes. Taken in UTC.
     */
    public static int volumeIdFor(Instant t) {
        LocalDateTime d = LocalDateTime.ofInstant(t, ZoneOffset.UTC);
        int high = ((d.getMonthValue() << 8 | d.getDayOfMonth()) + (d.getSecond() << 8 | d.getNano() / 10_000_000)) & 0xFFFF;
        int low = ((d.getHour() << 8 | d.getMinute()) + d.getYear()) & 0xFFFF;
        return high << 16 | low;
    }

    private static void checkLabel(String label) {
        if (label.length() > 11) {
            throw new IllegalArgumentException("volumeLabel '" + label + "' is " + label.length()
                    + " characters; a FAT label holds at most 11");
        }
        if (label.charAt(0) == ' ') {
            throw new IllegalArgumentException("volumeLabel '" + label + "' starts with a space");
        }
        for (char c : label.toCharArray()) {
            if (c < 0x20 || c > 0x7E || FORBIDDEN_IN_LABEL.indexOf(c) >= 0) {
                throw new IllegalArgumentException("volumeLabel '" + label + "' contains '" + c
                        + "'; a FAT label holds printable ASCII except " + FORBIDDEN_IN_LABEL);
            }
        }
    }

    /** The 11 bytes of the label, space padded, or null when the volume has no label. */
    byte[] labelField() {
        if (volumeLabel == null || volumeLabel.isEmpty()) {
            return null;
        }
        byte[] b = new byte[11];
        Arrays.fill(b, (byte) ' ');
        byte[] src = volumeLabel.getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(src, 0, b, 0, src.length);
        return b;
    }

    /** {@code BS_VolLab}: the label, or "NO NAME" as the spec says when there is none. */
    byte[] bootSectorLabel() {
        byte[] label = labelField();
        return label != null ? label : "NO NAME    ".getBytes(StandardCharsets.US_ASCII);
    }
}
