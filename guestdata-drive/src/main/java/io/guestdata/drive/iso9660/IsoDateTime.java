package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * One instant in the two date and time forms of ECMA-119, always recorded in UTC (offset 0), so
 * the bytes do not depend on the host's time zone.
 *
 * <ul>
 *   <li>§8.4.26.1, 17 bytes, used by the volume descriptors: {@code YYYYMMDDHHMMSScc} as digits
 *       and the offset from GMT in 15-minute units.
 *   <li>§9.1.5, 7 bytes, used by directory records and, in its short form, by the Rock Ridge
 *       {@code TF} entry (RRIP 1.12 §4.1.6): years since 1900, month, day, hour, minute, second,
 *       offset.
 * </ul>
 */
record IsoDateTime(LocalDateTime utc) {
    /** Earliest and latest years the 7-byte form can hold (years since 1900 in one byte). */
    static final int MIN_YEAR = 1900;
    static final int MAX_YEAR = 2155;

    static IsoDateTime of(Instant instant) {
        LocalDateTime utc = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        if (utc.getYear() < MIN_YEAR || utc.getYear() > MAX_YEAR) {
            throw new IllegalArgumentException("recordedAt " + instant + " is outside the years "
                    + MIN_YEAR + ".." + MAX_YEAR + " that ECMA-119 §9.1.5 can record");
        }
        return new IsoDateTime(utc);
    }

    /** §8.4.26.1: 17 bytes. */
    void putVolumeDescriptorForm(ByteBuffer b) {
        String digits = String.format("%04d%02d%02d%02d%02d%02d%02d", utc.getYear(), utc.getMonthValue(),
                utc.getDayOfMonth(), utc.getHour(), utc.getMinute(), utc.getSecond(), utc.getNano() / 10_000_000);
        b.put(digits.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
    }

    /** §8.4.26.1 "not specified": sixteen {@code '0'} digits and a zero offset, used for the expiration date. */
    static void putUnspecifiedVolumeDescriptorForm(ByteBuffer b) {
        for (int i = 0; i < 16; i++) {
            b.put((byte) '0');
        }
        b.put((byte) 0);
    }

    /** §9.1.5: 7 bytes. */
    void putDirectoryRecordForm(ByteBuffer b) {
        b.put((byte) (utc.getYear() - 1900))
                .put((byte) utc.getMonthValue())
                .put((byte) utc.getDayOfMonth())
                .put((byte) utc.getHour())
                .put((byte) utc.getMinute())
                .put((byte) utc.getSecond())
                .put((byte) 0);
    }
}
