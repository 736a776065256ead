package io.guestdata.inject;

import java.util.Locale;
import java.util.random.RandomGenerator;

import org.apache.commons.codec.digest.Md5Crypt;
import org.apache.commons.codec.digest.Sha2Crypt;

/**
 * The crypt(3) scheme of an injected admin password.
 *
 * <p>Nova ({@code nova/virt/disk/api.py}, {@code _set_passwd}) always uses MD5-crypt with a
 * 16-character salt of {@code [a-zA-Z0-9./]} (MD5-crypt reads only its first 8). MD5-crypt is
 * weak (fast, 1000 rounds); every Linux of the last fifteen years reads SHA-512 crypt, so
 * guestdata defaults to SHA-512 ({@code $6$}, 5000 rounds, the same 16-character salt).
 */
public enum PasswordHash {
    /** {@code $6$<16 salt>$<86>}: glibc's SHA-512 crypt, the default. */
    SHA512,
    /** {@code $1$<8 salt>$<22>}: Nova's MD5-crypt. */
    MD5;

    /** crypt(3)'s salt alphabet, as Nova's {@code _generate_salt} draws from it. */
    static final String SALT_CHARACTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./";
    /** Nova draws 16 salt characters. */
    static final int SALT_LENGTH = 16;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code sha512} or {@code md5}. */
    public static PasswordHash ofLabel(String label) {
        for (PasswordHash h : values()) {
            if (h.label().equals(label)) {
                return h;
            }
        }
        throw new IllegalArgumentException("unknown password hash '" + label + "'; use sha512 or md5");
    }

    /** Hashes {@code password} (as UTF-8) with a fresh 16-character salt drawn from {@code random}. */
    public String hash(String password, RandomGenerator random) {
        return hash(password, salt(random));
    }

    /** Hashes {@code password} (as UTF-8) with the given salt (MD5 uses its first 8 characters). */
    public String hash(String password, String salt) {
        byte[] bytes = password.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return switch (this) {
            case SHA512 -> Sha2Crypt.sha512Crypt(bytes, "$6$" + salt);
            case MD5 -> Md5Crypt.md5Crypt(bytes, "$1$" + salt);
        };
    }

    /** 16 characters of {@code [a-zA-Z0-9./]}, as Nova's {@code _generate_salt}. */
    static String salt(RandomGenerator random) {
        StringBuilder s = new StringBuilder(SALT_LENGTH);
        for (int i = 0; i < SALT_LENGTH; i++) {
            s.append(SALT_CHARACTERS.charAt(random.nextInt(SALT_CHARACTERS.length())));
        }
        return s.toString();
    }
}
