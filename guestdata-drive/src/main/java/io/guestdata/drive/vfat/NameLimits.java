package io.guestdata.drive.vfat;

import io.guestdata.drive.ImageException;

/**
 * Which file and directory names a FAT volume with long names can hold (Microsoft FAT
 * specification 1.03, "Name Limits and Character Sets" and "Long Name Specification"), and when
 * two names are the same name to FAT.
 *
 * <ul>
 *   <li>at most 255 UTF-16 code units;</li>
 *   <li>none of {@code " * / : < > ? \ |}, no control character (U+0000..U+001F, U+007F..U+009F;
 *       the spec forbids values below 0x20, and DEL and the C1 controls are refused too since
 *       mtools and Windows shells mangle them);</li>
 *   <li>no trailing period or space: Windows and Linux strip them when they look a name up, so
 *       such a file could never be opened by its name;</li>
 *   <li>valid UTF-16 and not {@code .} or {@code ..}: checked for every format with the path ({@link io.guestdata.drive.ImagePath}).</li>
 * </ul>
 * Everything else is kept exactly: case, leading spaces and periods, several periods, characters
 * outside the BMP. DOS device names ({@code CON}, {@code NUL}, {@code COM1} …) are valid FAT names
 * and are kept too: Linux and mtools read them; Windows cannot open them by name.
 */
final class NameLimits {
    private static final String FORBIDDEN = "\"*/:<>?\\|";

    private NameLimits() {
    }

    /**
     * @param name one path component
     * @param path the whole path, to name in the exception
     */
    static void check(String name, String path) throws ImageException {
        if (name.length() > LongNameEntry.MAX_NAME_UNITS) {
            throw new ImageException(path, "name '" + abbreviate(name) + "' is " + name.length()
                    + " UTF-16 code units long; FAT long names hold at most " + LongNameEntry.MAX_NAME_UNITS);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (FORBIDDEN.indexOf(c) >= 0) {
                throw new ImageException(path, "name '" + name + "' contains '" + c
                        + "'; FAT names cannot hold any of " + FORBIDDEN);
            }
            if (Character.isISOControl(c)) {
                throw new ImageException(path, String.format(
                        "name contains the control character U+%04X; FAT names cannot hold control characters", (int) c));
            }
        }
        char last = name.charAt(name.length() - 1);
        if (last == '.' || last == ' ') {
            throw new ImageException(path, "name '" + name + "' ends with "
                    + (last == '.' ? "a period" : "a space")
                    + "; FAT readers strip trailing periods and spaces, so it could not be opened");
        }
    }

    /**
     * The key under which FAT considers two names equal: names are compared without regard to case
     * ("Name Matching In Short & Long Names"), by simple per-character case mapping as the
     * up-case tables of Windows do. Folding both ways also catches pairs such as K and the Kelvin
     * sign, which a reader folding only one way would still treat as one name.
     */
    static String matchKey(String name) {
        StringBuilder key = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> key.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
        return key.toString();
    }

    private static String abbreviate(String name) {
        return name.substring(0, 20) + "…";
    }
}
