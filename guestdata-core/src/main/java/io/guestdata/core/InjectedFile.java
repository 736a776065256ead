package io.guestdata.core;

import java.util.Arrays;
import java.util.Objects;

/**
 * A file to place in the guest (Nova's "personality" file).
 *
 * @param path     absolute guest path as given in the document
 * @param contents the decoded bytes (the document carries them as base64)
 */
public record InjectedFile(String path, byte[] contents) {
    public InjectedFile {
        Objects.requireNonNull(path, "path");
        contents = contents.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public byte[] contents() {
        return contents.clone();
    }

    /** The size in bytes, without copying. */
    public int size() {
        return contents.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InjectedFile other
                && path.equals(other.path)
                && Arrays.equals(contents, other.contents);
    }

    @Override
    public int hashCode() {
        return 31 * path.hashCode() + Arrays.hashCode(contents);
    }

    @Override
    public String toString() {
        return "InjectedFile[path=" + path + ", " + contents.length + " bytes]";
    }
}
