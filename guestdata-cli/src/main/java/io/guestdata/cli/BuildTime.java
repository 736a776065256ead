package io.guestdata.cli;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;

/**
 * The time an image records (ISO 9660 volume and directory dates, FAT time stamps and volume serial):
 * {@code --timestamp} when given, else the environment's {@code SOURCE_DATE_EPOCH}
 * (reproducible-builds.org), else now, in whole seconds.
 *
 * <p>Both ISO 9660 (years 1900..2155) and FAT (1980..2107, two-second steps) must be able to record it
 * exactly, so one range serves every format: {@value #EARLIEST} (1980-01-01T00:00:00Z) to {@value #LATEST}
 * (2107-12-31T23:59:58Z). A time outside it, or a {@code SOURCE_DATE_EPOCH} that is not a whole number,
 * is refused, as the reproducible-builds specification asks, rather than silently replaced.
 */
final class BuildTime {
    static final String SOURCE_DATE_EPOCH = "SOURCE_DATE_EPOCH";
    static final long EARLIEST = 315_532_800L;
    static final long LATEST = 4_354_819_198L;

    private BuildTime() {
    }

    /**
     * @param timestamp   the {@code --timestamp} value (epoch seconds), or null
     * @param environment the process environment
     */
    static Instant resolve(Long timestamp, Map<String, String> environment) throws CommandFailure {
        if (timestamp != null) {
            return checked(timestamp, "--timestamp " + timestamp);
        }
        String epoch = environment.get(SOURCE_DATE_EPOCH);
        if (epoch != null && !epoch.isEmpty()) {
            long seconds;
            try {
                seconds = Long.parseLong(epoch.strip());
            } catch (NumberFormatException e) {
                throw new CommandFailure(ExitCode.USAGE, SOURCE_DATE_EPOCH + "='" + epoch
                        + "' is not a whole number of seconds since 1970-01-01T00:00:00Z");
            }
            return checked(seconds, SOURCE_DATE_EPOCH + "=" + epoch);
        }
        return Instant.now().truncatedTo(ChronoUnit.SECONDS);
    }

    private static Instant checked(long seconds, String what) throws CommandFailure {
        if (seconds < EARLIEST || seconds > LATEST) {
            throw new CommandFailure(ExitCode.USAGE, what + ": out of range; an image records times from "
                    + EARLIEST + " (1980-01-01, FAT's first date) to " + LATEST + " (2107-12-31, its last)");
        }
        return Instant.ofEpochSecond(seconds);
    }
}
