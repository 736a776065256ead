package io.guestdata.core.metadata;

import java.util.Arrays;
import java.util.Objects;

/**
 * One file of the config drive tree (nova-compat.md §1.8).
 *
 * @param path     relative path with {@code /} separators, e.g. {@code openstack/latest/meta_data.json}
 * @param contents the file's bytes
 */
public record MetadataFile(String path, byte[] contents) {
    public MetadataFile {
        Objects.requireNonNull(path, "path");
        contents = contents.clone();
    }

    /** A copy: the record stays immutable. */
    @Override
    public byte[] contents() {
        return contents.clone();
    }

    public int size() {
        return contents.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MetadataFile other && path.equals(other.path) && Arrays.equals(contents, other.contents);
    }

    @Override
    public int hashCode() {
        return 31 * path.hashCode() + Arrays.hashCode(contents);
    }

    @Override
    public String toString() {
        return "MetadataFile[path=" + path + ", " + contents.length + " bytes]";
    }
}
