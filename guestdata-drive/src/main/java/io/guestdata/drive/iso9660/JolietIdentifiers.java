package io.guestdata.drive.iso9660;

/**
 * File and directory identifiers of the Joliet hierarchy (Joliet specification, Microsoft 1995):
 * the real name in UCS-2 big-endian, at most 64 characters, without the characters Joliet forbids
 * (U+0000..U+001F, {@code * / : ; ? \}), each of which becomes {@code _}. Like genisoimage, no
 * {@code ;1} version is appended.
 *
 * <p>Characters outside the BMP are recorded as UTF-16 surrogate pairs (two of the 64 units), which
 * Windows and Linux ({@code iocharset=utf8}) read back; genisoimage drops them instead.
 *
 * <p>Names longer than 64 units are cut, not refused (the real name survives in Rock Ridge, and
 * refusing would make such names impossible); unlike genisoimage, which cuts at 64 and loses the
 * extension, an extension of up to 16 units (from the last dot) is kept, and a surrogate pair is
 * never split. Clashes (two names cut or mapped to the same identifier) are resolved with
 * {@code ~k} before the extension. Identifiers are compared exactly, so names differing only in
 * case stay exact here (Windows, which ignores case, shows one of them).
 */
final class JolietIdentifiers implements IdentifierScheme {
    static final int MAX_LENGTH = 64;
    private static final int KEPT_EXTENSION = 16;

    @Override
    public String natural(String name, boolean directory) {
        return fit(map(name), "");
    }

    @Override
    public String alternative(String natural, boolean directory, int k) {
        return fit(natural, "~" + k);
    }

    @Override
    public String key(String identifier, boolean directory) {
        return identifier;
    }

    @Override
    public boolean exact(String name, String natural, boolean directory) {
        return name.equals(natural);
    }

    /** Whether Joliet records {@code name} unchanged (before clashes are resolved). */
    static boolean canHold(String name) {
        return name.length() <= MAX_LENGTH && map(name).equals(name);
    }

    static String map(String name) {
        StringBuilder sb = new StringBuilder(name.length());
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            boolean forbidden = c < 0x20 || c == '*' || c == '/' || c == ':' || c == ';' || c == '?' || c == '\\';
            sb.append(forbidden ? '_' : c);
        }
        return sb.toString();
    }

    private static String fit(String name, String suffix) {
        if (suffix.isEmpty() && name.length() <= MAX_LENGTH) {
            return name;
        }
        int dot = name.lastIndexOf('.');
        String ext = dot > 0 && name.length() - dot <= KEPT_EXTENSION ? name.substring(dot) : "";
        String base = name.substring(0, name.length() - ext.length());
        return cut(base, MAX_LENGTH - ext.length() - suffix.length()) + suffix + ext;
    }

    private static String cut(String s, int max) {
        if (s.length() <= max) {
            return s;
        }
        int end = Math.max(0, max);
        if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }
}
