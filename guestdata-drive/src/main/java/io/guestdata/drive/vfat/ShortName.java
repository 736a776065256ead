package io.guestdata.drive.vfat;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The 8.3 name of one directory entry and whether long entries must go with it (Microsoft FAT
 * specification 1.03, "Naming Conventions and Long Names", "Basis-Name Generation Algorithm",
 * "Numeric-Tail Generation Algorithm").
 *
 * <p>A name that is already a valid 8.3 name apart from case is stored as its upper-case form. If
 * the base and the extension are each all lower case or all upper case (or have no letters), the
 * {@code DIR_NTRes} case bits say which part is lower case and no long entry is written: this is how
 * Windows NT and later store {@code ec2} or {@code latest}, and how mtools does; Linux, Windows and
 * mtools all show such an entry as {@code ec2}. A mixed-case 8.3 name ({@code Mixed.Txt}) keeps its
 * upper-case short name and gets long entries.
 *
 * <p>Any other name gets a basis name and a numeric tail {@code ~n}, and long entries. Short names
 * use printable ASCII only: characters outside ASCII are replaced with {@code _} (a "lossy
 * conversion") rather than mapped to an OEM code page, so the short name reads the same under
 * every code page.
 *
 * @param bytes         the 11 bytes of {@code DIR_Name}
 * @param caseFlags     {@code DIR_NTRes} case bits
 * @param needsLongName whether long directory entries must carry the real name
 */
record ShortName(byte[] bytes, int caseFlags, boolean needsLongName) {
    /** The characters besides A–Z and 0–9 the spec allows in a short name. */
    private static final String SPECIAL = "$%'-_@~`!(){}^#&";
    private static final int MAX_TAIL = 999_999;

    /**
     * Short names for the entries of one directory, in the order of {@code names}, which must
     * differ without regard to case. First every name that is a valid 8.3 name gets itself, then the
     * others get numeric tails in the order given; so the result depends only on the names.
     *
     * @param reserved an 11-byte name already present in the directory (the volume label), or null
     */
    static List<ShortName> assign(List<String> names, byte[] reserved) {
        Set<String> used = new HashSet<>();
        if (reserved != null) {
            used.add(new String(reserved, StandardCharsets.ISO_8859_1));
            used.add(new String(reserved, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT));
        }
        ShortName[] result = new ShortName[names.size()];
        Basis[] bases = new Basis[names.size()];
        for (int i = 0; i < result.length; i++) {
            String name = names.get(i);
            bases[i] = Basis.of(name);
            if (isEightDotThree(name) && used.add(bases[i].field(""))) {
                result[i] = exact(name, bases[i]);
            }
        }
        Map<String, Integer> nextTail = new HashMap<>();
        for (int i = 0; i < result.length; i++) {
            if (result[i] != null) {
                continue;
            }
            Basis b = bases[i];
            String key = b.primary() + "." + b.extension();
            int n = nextTail.getOrDefault(key, 1);
            String field;
            do {
                if (n > MAX_TAIL) {
                    throw new IllegalStateException("no free numeric tail for " + names.get(i));
                }
                field = b.field("~" + n++);
            } while (!used.add(field));
            nextTail.put(key, n);
            result[i] = new ShortName(field.getBytes(StandardCharsets.US_ASCII), 0, true);
        }
        return List.of(result);
    }

    /**
     * True if {@code name} is an 8.3 name apart from case: a base of 1 to 8 and an optional
     * extension of 1 to 3 short-name characters, one period between them, no spaces.
     */
    static boolean isEightDotThree(String name) {
        int dot = name.indexOf('.');
        if (dot != name.lastIndexOf('.') || dot == 0) {
            return false;
        }
        String base = dot < 0 ? name : name.substring(0, dot);
        String extension = dot < 0 ? "" : name.substring(dot + 1);
        if (base.isEmpty() || base.length() > 8 || extension.length() > 3 || dot >= 0 && extension.isEmpty()) {
            return false;
        }
        return (base + extension).chars().allMatch(c -> isShortNameCharacter(upper(c)));
    }

    private static ShortName exact(String name, Basis basis) {
        int dot = name.indexOf('.');
        String base = dot < 0 ? name : name.substring(0, dot);
        String extension = dot < 0 ? "" : name.substring(dot + 1);
        byte[] field = basis.field("").getBytes(StandardCharsets.US_ASCII);
        boolean baseMixed = hasLower(base) && hasUpper(base);
        boolean extensionMixed = hasLower(extension) && hasUpper(extension);
        if (baseMixed || extensionMixed) {
            return new ShortName(field, 0, true);
        }
        int flags = (hasLower(base) ? DirectoryEntry.LOWER_CASE_BASE : 0)
                | (hasLower(extension) ? DirectoryEntry.LOWER_CASE_EXTENSION : 0);
        return new ShortName(field, flags, false);
    }

    private static boolean hasLower(String s) {
        return s.chars().anyMatch(c -> c >= 'a' && c <= 'z');
    }

    private static boolean hasUpper(String s) {
        return s.chars().anyMatch(c -> c >= 'A' && c <= 'Z');
    }

    private static int upper(int c) {
        return c >= 'a' && c <= 'z' ? c - ('a' - 'A') : c;
    }

    /** "Name Limits and Character Sets": the characters a short name may hold (ASCII part). */
    static boolean isShortNameCharacter(int c) {
        return c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || SPECIAL.indexOf(c) >= 0;
    }

    /** The name as a string of 8.3 form, for messages and tests ({@code META-D~1.JSO}). */
    String display() {
        String s = new String(bytes, StandardCharsets.US_ASCII);
        String base = s.substring(0, 8).stripTrailing();
        String extension = s.substring(8).stripTrailing();
        return extension.isEmpty() ? base : base + "." + extension;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ShortName n && Arrays.equals(bytes, n.bytes) && caseFlags == n.caseFlags
                && needsLongName == n.needsLongName;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return "ShortName[" + display() + ", case=" + caseFlags + ", long=" + needsLongName + "]";
    }

    /**
     * The basis name of "Basis-Name Generation Algorithm": upper case; characters that cannot be in
     * a short name become {@code _} (here: everything outside ASCII too); spaces and leading periods
     * are stripped; the primary part is what comes before the first remaining period, at most 8
     * characters; the extension is what follows the last period, at most 3.
     */
    record Basis(String primary, String extension) {
        static Basis of(String name) {
            StringBuilder s = new StringBuilder(name.length());
            name.codePoints().forEach(cp -> {
                if (cp == ' ') {
                    return;
                }
                if (cp == '.') {
                    s.append('.');
                } else if (cp < 0x80 && isShortNameCharacter(upper(cp))) {
                    s.append((char) upper(cp));
                } else {
                    s.append('_');
                }
            });
            int start = 0;
            while (start < s.length() && s.charAt(start) == '.') {
                start++;
            }
            String rest = s.substring(start);
            int firstDot = rest.indexOf('.');
            String primary = firstDot < 0 ? rest : rest.substring(0, firstDot);
            primary = primary.substring(0, Math.min(8, primary.length()));
            int lastDot = rest.lastIndexOf('.');
            String extension = lastDot < 0 ? "" : rest.substring(lastDot + 1);
            extension = extension.substring(0, Math.min(3, extension.length()));
            return new Basis(primary.isEmpty() ? "_" : primary, extension);
        }

        /** {@code DIR_Name} with {@code tail} ending the primary part, which is cut to make room. */
        String field(String tail) {
            String p = primary.substring(0, Math.min(primary.length(), 8 - tail.length())) + tail;
            return pad(p, 8) + pad(extension, 3);
        }

        private static String pad(String s, int width) {
            return s + " ".repeat(width - s.length());
        }
    }
}
