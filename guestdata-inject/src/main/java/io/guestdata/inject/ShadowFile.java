package io.guestdata.inject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Nova's admin password rewrite ({@code nova/virt/disk/api.py}, {@code _set_passwd};
 * nova-compat.md §7): the user must be the first {@code :}-field of some {@code /etc/passwd} line,
 * and field 2 of every {@code /etc/shadow} line whose field 1 is the user becomes the hash. Lines
 * are split and rejoined on {@code \n}, so the trailing newline, every other line and every other
 * field (lastchg included) are kept byte for byte. Only {@code /etc/shadow} changes.
 *
 * <p>Bytes are handled as ISO-8859-1, so any byte sequence survives unchanged.
 */
final class ShadowFile {

    private ShadowFile() {
    }

    /** A precondition Nova also checks; the message is Nova's text where Nova has one. */
    static final class Refusal extends Exception {
        private static final long serialVersionUID = 1L;

        Refusal(String message) {
            super(message);
        }
    }

    /**
     * Nova's check on {@code /etc/passwd}.
     *
     * @throws Refusal {@code User root not found in password file.}
     */
    static void requireUser(byte[] passwd, String user) throws Refusal {
        for (String entry : split(passwd)) {
            if (entry.split(":", -1)[0].equals(user)) {
                return;
            }
        }
        throw new Refusal("User " + user + " not found in password file.");
    }

    /**
     * The new {@code /etc/shadow}.
     *
     * @throws Refusal {@code User root not found in shadow file.}, or a line for the user that has
     *                 no password field (Nova fails there with an IndexError)
     */
    static byte[] withPassword(byte[] shadow, String user, String hash) throws Refusal {
        List<String> out = new ArrayList<>();
        boolean found = false;
        int number = 0;
        for (String entry : split(shadow)) {
            number++;
            String[] fields = entry.split(":", -1);
            if (fields[0].equals(user)) {
                if (fields.length < 2) {
                    throw new Refusal("/etc/shadow line " + number + " for " + user
                            + " has no password field (no ':'); fix the image's /etc/shadow");
                }
                fields[1] = hash;
                found = true;
            }
            out.add(String.join(":", fields));
        }
        if (!found) {
            throw new Refusal("User " + user + " not found in shadow file.");
        }
        return String.join("\n", out).getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Python's {@code str.split("\n")}: a trailing newline gives a last empty entry. */
    private static String[] split(byte[] content) {
        return new String(content, StandardCharsets.ISO_8859_1).split("\n", -1);
    }
}
