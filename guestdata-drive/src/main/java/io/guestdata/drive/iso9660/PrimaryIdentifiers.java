package io.guestdata.drive.iso9660;

import java.util.Locale;

/**
 * File and directory identifiers of the primary hierarchy: ECMA-119 §7.5 and §7.6 at interchange
 * level 2 (name and extension together at most 30 characters, directory identifiers at most 31),
 * relaxed as {@code genisoimage -l -allow-lowercase -allow-multidot -ldots} relaxes them: lower case
 * kept, several dots and a leading dot allowed. Every other character (including every non-ASCII
 * one) becomes {@code _}. Files get {@code ;1}; a file without a dot gets one ({@code 0000.;1}),
 * as genisoimage does.
 *
 * <p>These names are only a fallback for readers without Rock Ridge and Joliet; the real names
 * travel in Rock Ridge {@code NM} entries. Two identifiers clash when they are equal ignoring case,
 * the version and trailing dots, because Linux without Rock Ridge ({@code map=normal}) shows
 * them so; genisoimage compares case-sensitively here.
 *
 * <p>Truncation differs from genisoimage's: when name and extension exceed 30 characters the
 * extension keeps at most 8 and the name the rest. Fallbacks replace the end of the name with
 * {@code _k}.
 */
final class PrimaryIdentifiers implements IdentifierScheme {
    static final int MAX_FILE_NAME_AND_EXTENSION = 30;
    static final int MAX_DIRECTORY_IDENTIFIER = 31;
    private static final int KEPT_EXTENSION = 8;
    private static final String VERSION = ";1";

    @Override
    public String natural(String name, boolean directory) {
        String mapped = guardDots(map(name));
        if (directory) {
            return cut(mapped, MAX_DIRECTORY_IDENTIFIER);
        }
        int dot = mapped.lastIndexOf('.');
        String base = dot < 0 ? mapped : guardDots(mapped.substring(0, dot));
        String ext = dot < 0 ? "" : mapped.substring(dot + 1);
        if (base.length() + ext.length() > MAX_FILE_NAME_AND_EXTENSION) {
            ext = cut(ext, KEPT_EXTENSION);
            base = cut(base, MAX_FILE_NAME_AND_EXTENSION - ext.length());
        }
        return base + "." + ext + VERSION;
    }

    @Override
    public String alternative(String natural, boolean directory, int k) {
        String suffix = "_" + k;
        if (directory) {
            return cut(natural, MAX_DIRECTORY_IDENTIFIER - suffix.length()) + suffix;
        }
        String plain = natural.substring(0, natural.length() - VERSION.length());
        int dot = plain.lastIndexOf('.');
        String base = plain.substring(0, dot);
        String ext = plain.substring(dot + 1);
        ext = cut(ext, MAX_FILE_NAME_AND_EXTENSION - suffix.length());
        base = cut(base, MAX_FILE_NAME_AND_EXTENSION - suffix.length() - ext.length());
        return base + suffix + "." + ext + VERSION;
    }

    @Override
    public String key(String identifier, boolean directory) {
        String s = directory ? identifier : identifier.substring(0, identifier.length() - VERSION.length());
        int end = s.length();
        while (end > 0 && s.charAt(end - 1) == '.') {
            end--;
        }
        return s.substring(0, end).toUpperCase(Locale.ROOT);
    }

    /** Nothing replaced or cut: only the version (and a dot, for a name without one) added. */
    @Override
    public boolean exact(String name, String natural, boolean directory) {
        if (directory) {
            return natural.equals(name);
        }
        String plain = natural.substring(0, natural.length() - VERSION.length());
        return plain.equals(name) || plain.equals(name + ".");
    }

    /** ECMA-119 §7.4.1 d-characters plus lower case and dots; anything else one {@code _} per code point. */
    static String map(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        name.codePoints().forEach(cp -> {
            boolean keep = (cp >= 'A' && cp <= 'Z') || (cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')
                    || cp == '_' || cp == '.';
            sb.append(keep ? (char) cp : '_');
        });
        return sb.toString();
    }

    /** A name of dots only would read as "." or ".." or vanish when trailing dots are stripped. */
    private static String guardDots(String s) {
        return !s.isEmpty() && s.chars().allMatch(c -> c == '.') ? "_".repeat(s.length()) : s;
    }

    private static String cut(String s, int max) {
        return s.length() <= max ? s : s.substring(0, Math.max(0, max));
    }
}
