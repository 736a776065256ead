package io.guestdata.core.document;

/**
 * Size limits applied to an instance document. Each is Nova's quota or API limit of the same
 * name (nova-compat.md §8); {@code -1} means unlimited, as in Nova's {@code [quota]} options.
 *
 * @param injectedFiles            most {@code files} entries ({@code [quota] injected_files})
 * @param injectedFilePathLength   most characters in one file path
 *                                 ({@code [quota] injected_file_path_length})
 * @param injectedFileContentBytes most characters of one file's base64 text <em>as submitted</em>:
 *                                 Nova compares the quota against the base64 string, not the
 *                                 decoded size ({@code [quota] injected_file_content_bytes})
 * @param metadataItems            most metadata entries ({@code [quota] metadata_items})
 * @param userDataLength           most characters of the base64 user data text (the compute API
 *                                 schema's {@code maxLength})
 */
public record Limits(int injectedFiles, int injectedFilePathLength, int injectedFileContentBytes,
                     int metadataItems, int userDataLength) {

    /** The value that switches a limit off. */
    static final int UNLIMITED = -1;

    public Limits {
        requireLimit("injectedFiles", injectedFiles);
        requireLimit("injectedFilePathLength", injectedFilePathLength);
        requireLimit("injectedFileContentBytes", injectedFileContentBytes);
        requireLimit("metadataItems", metadataItems);
        requireLimit("userDataLength", userDataLength);
    }

    /** Nova's defaults: 5 files, 255-character paths, 10240 base64 characters, 128 items, 65535. */
    public static Limits nova() {
        return new Limits(5, 255, 10240, 128, 65535);
    }

    /** Whether {@code value} is over {@code limit}; an unlimited limit is never exceeded. */
    static boolean exceeds(int value, int limit) {
        return limit != UNLIMITED && value > limit;
    }

    private static void requireLimit(String name, int value) {
        if (value < UNLIMITED) {
            throw new IllegalArgumentException(name + " must be -1 (unlimited) or >= 0, was " + value);
        }
    }
}
