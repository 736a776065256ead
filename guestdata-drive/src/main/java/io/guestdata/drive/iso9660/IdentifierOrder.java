package io.guestdata.drive.iso9660;

/**
 * The orders ECMA-119 prescribes for identifiers, compared as code units (bytes in the primary
 * hierarchy, UCS-2 big-endian units in Joliet, where big-endian byte order and unit order agree).
 *
 * <ul>
 *   <li>§9.3, records of a directory: by file name, then extension, each padded on the right with
 *       spaces (0x20) to equal length, then by version number descending. A file's name and
 *       extension are split at its last dot; a directory identifier is all name.
 *   <li>§9.4, path table: by level, then parent directory number, then directory identifier padded
 *       with spaces — produced by a breadth-first walk over directories sorted this way.
 * </ul>
 *
 * Identifiers equal under padding (only possible in Joliet, e.g. {@code "a"} and {@code "a "}) are
 * then ordered by their code units so the order is total and the image deterministic.
 */
final class IdentifierOrder {
    private IdentifierOrder() {
    }

    static int compare(String a, boolean fileA, String b, boolean fileB) {
        String[] pa = split(a, fileA);
        String[] pb = split(b, fileB);
        int c = comparePadded(pa[0], pb[0]);
        if (c == 0) {
            c = comparePadded(pa[1], pb[1]);
        }
        if (c == 0) {
            c = comparePadded(pb[2], pa[2]); // version: descending
        }
        return c != 0 ? c : a.compareTo(b);
    }

    static int comparePadded(String a, String b) {
        int n = Math.max(a.length(), b.length());
        for (int i = 0; i < n; i++) {
            char ca = i < a.length() ? a.charAt(i) : ' ';
            char cb = i < b.length() ? b.charAt(i) : ' ';
            if (ca != cb) {
                return Character.compare(ca, cb);
            }
        }
        return 0;
    }

    /** name, extension, version. */
    private static String[] split(String id, boolean file) {
        if (!file) {
            return new String[] {id, "", ""};
        }
        String version = "";
        int semi = id.lastIndexOf(';');
        String plain = id;
        if (semi >= 0) {
            version = id.substring(semi + 1);
            plain = id.substring(0, semi);
        }
        int dot = plain.lastIndexOf('.');
        return dot < 0 ? new String[] {plain, "", version}
                : new String[] {plain.substring(0, dot), plain.substring(dot + 1), version};
    }
}
