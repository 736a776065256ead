package io.guestdata.cli;

import io.guestdata.drive.vfat.FatOptions;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code --volume-size}: a byte count with an optional binary suffix ({@code K}, {@code M}, {@code G},
 * {@code T}, each ×1024; {@code KiB}, {@code MiB} … are accepted too), at most
 * {@link FatOptions#MAX_SIZE_BYTES}.
 */
final class VolumeSize implements ITypeConverter<Long> {
    /** How a size is written, for error messages. */
    static final String FORMAT = "give bytes, or a number with K, M, G or T (binary multiples), such as 64M";
    private static final Pattern SIZE = Pattern.compile("(\\d{1,16})\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
        OptionalLong bytes = bytes(value, FatOptions.MAX_SIZE_BYTES);
        if (bytes.isEmpty()) {
            throw new TypeConversionException(SIZE.matcher(value.strip()).matches()
                    ? "'" + value + "' is more than " + FatOptions.MAX_SIZE_BYTES + " bytes (2 TiB − 4 KiB), the largest FAT volume"
                    : "'" + value + "' is not a size: " + FORMAT);
        }
        return bytes.getAsLong();
    }

    /**
     * The bytes a size names (this class's syntax; serve's {@code metadata-cache-bytes} too); empty when it is not
     * a size or is more than {@code max}.
     */
    static OptionalLong bytes(String value, long max) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            return OptionalLong.empty();
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        return n > max >> shift ? OptionalLong.empty() : OptionalLong.of(n << shift);
    }
}
