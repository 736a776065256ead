package io.guestdata.cli;

import io.guestdata.drive.vfat.FatOptions;
import java.util.Locale;
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
    private static final Pattern SIZE = Pattern.compile("(\\d{1,16})\\s*([KMGT]?)(?:I?B)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String value) {
        Matcher m = SIZE.matcher(value.strip());
        if (!m.matches()) {
            throw new TypeConversionException("'" + value + "' is not a size: give bytes, or a number with K, M, G or T "
                    + "(binary multiples), such as 64M");
        }
        long n = Long.parseLong(m.group(1));
        int shift = switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "K" -> 10;
            case "M" -> 20;
            case "G" -> 30;
            case "T" -> 40;
            default -> 0;
        };
        if (n > FatOptions.MAX_SIZE_BYTES >> shift) {
            throw new TypeConversionException("'" + value + "' is more than " + FatOptions.MAX_SIZE_BYTES
                    + " bytes (2 TiB − 4 KiB), the largest FAT volume");
        }
        return n << shift;
    }
}
