package io.guestdata.core.document;

import java.util.Optional;

/**
 * Nova's rules for a key pair name from microversion 2.92 on (nova-compat.md §8; Nova
 * {@code keypair_name_special_chars_292} = the server {@code name} rule <em>and</em> format
 * {@code keypair_name_292}): 1 to 255 characters, printable, no whitespace at either end, and
 * only the characters {@code @ . _ - space}, ASCII digits and ASCII letters.
 */
public final class KeyPairNames {

    /** Nova's {@code safe_chars}, in Nova's order, as its error message lists them. */
    static final String SAFE_CHARS = "@._- 0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

    private KeyPairNames() {
    }

    /** What is wrong with {@code name} as a key pair name, or empty when it is valid. */
    public static Optional<String> problem(String name) {
        return check(name).map(NameProblem::message);
    }

    /** The first problem with {@code name}, with its rule check ({@code length}, {@code charset}…). */
    static Optional<NameProblem> check(String name) {
        Optional<NameProblem> asName = ServerNames.check(name);
        if (asName.isPresent()) {
            return asName;
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (SAFE_CHARS.indexOf(c) < 0) {
                return Optional.of(new NameProblem("charset",
                        "character " + i + " is " + ServerNames.codePoint(c)
                                + ". Only expected characters: [" + SAFE_CHARS + "]",
                        Optional.empty()));
            }
        }
        return Optional.empty();
    }
}
