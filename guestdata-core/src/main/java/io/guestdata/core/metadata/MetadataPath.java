package io.guestdata.core.metadata;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A metadata service request path as Nova routes it (nova-compat.md §1.2), decided once per request:
 * normalised ({@link MetadataTree#requestPath}), then which tree it names. A path whose first segment is
 * {@code openstack} is in the OpenStack tree; every other path is in the EC2 tree ({@code ec2} put in front when it
 * is not already there, and {@code /} or any {@code //...} path, which {@code normpath} leaves with an empty first
 * segment, is the EC2 version list).
 *
 * @param normalized the normalised path, e.g. {@code /latest/meta-data} or {@code /openstack/latest/user_data}
 * @param api        the tree it names
 * @param segments   the segments below that tree's root: the version first; empty for the tree's version list
 */
public record MetadataPath(String normalized, Api api, List<String> segments) {
    /** The two trees Nova's handler serves. */
    public enum Api {
        EC2, OPENSTACK
    }

    public MetadataPath {
        Objects.requireNonNull(normalized, "normalized");
        Objects.requireNonNull(api, "api");
        segments = List.copyOf(segments);
    }

    /** The path of a request for {@code path} (percent-decoded). */
    public static MetadataPath of(String path) {
        String normalized = MetadataTree.requestPath(path);
        List<String> tokens = Arrays.asList(normalized.split("/", -1));
        String first = tokens.get(1);
        if (first.equals(MetadataTree.OPENSTACK)) {
            return new MetadataPath(normalized, Api.OPENSTACK, tokens.subList(2, tokens.size()));
        }
        if (first.equals(MetadataTree.EC2)) {
            return new MetadataPath(normalized, Api.EC2, tokens.subList(2, tokens.size()));
        }
        // "/" and, through normpath keeping a leading "//", any "//..." path: the EC2 version list
        return new MetadataPath(normalized, Api.EC2, first.isEmpty() ? List.of() : tokens.subList(1, tokens.size()));
    }

    /** Whether this is {@code /}, answered with the EC2 version list before (and without) identification. */
    public boolean isRoot() {
        return normalized.equals("/");
    }
}
