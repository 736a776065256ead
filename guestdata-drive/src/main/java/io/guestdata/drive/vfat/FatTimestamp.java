package io.guestdata.drive.vfat;

import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;

/**
 * A directory entry time stamp (Microsoft FAT specification 1.03, "Date and Time Formats"): a date
 * counted from 1980-01-01 (7-bit year offset, so up to 2107-12-31), a time of day with 2-second
 * resolution, and for the creation time a count of 10 ms units (0 to 199) that adds the odd second
 * and the hundredths.
 *
 * <p>FAT stores local time without a zone. We store UTC: the image must not depend on the zone of
 * the host that wrote it, and Linux mounts read FAT times as UTC unless told otherwise. Instants
 * outside the range FAT can hold are clamped to its ends.
 *
 * @param date      {@code DIR_WrtDate} format: bits 15..9 year − 1980, 8..5 month, 4..0 day
 * @param time      {@code DIR_WrtTime} format: bits 15..11 hours, 10..5 minutes, 4..0 seconds / 2
 * @param tenths    {@code DIR_CrtTimeTenth}: 0 to 199 units of 10 ms
 */
record FatTimestamp(int date, int time, int tenths) {
    private static final LocalDateTime FIRST = LocalDateTime.of(1980, 1, 1, 0, 0, 0);
    private static final LocalDateTime LAST = LocalDateTime.of(2107, 12, 31, 23, 59, 59, 990_000_000);

    static FatTimestamp of(Instant instant) {
        LocalDateTime t = LocalDateTime.ofInstant(instant, ZoneOffset.UTC);
        if (t.isBefore(FIRST)) {
            t = FIRST;
        } else if (t.isAfter(LAST)) {
            t = LAST;
        }
        int date = (t.getYear() - 1980) << 9 | t.getMonthValue() << 5 | t.getDayOfMonth();
        int time = t.getHour() << 11 | t.getMinute() << 5 | t.getSecond() / 2;
        int tenths = (t.getSecond() % 2) * 100 + t.getNano() / 10_000_000;
        return new FatTimestamp(date, time, tenths);
    }
}
