package io.guestdata.core.metadata;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/** What {@link MetadataTree#lookup} answers for one path (nova-compat.md §1.2, §2.4, §2.5). */
public sealed interface LookupResult {

    /** Content type of listings, EC2 leaves, user data, {@code network_data.json} and content blobs. */
    String TEXT_PLAIN = "text/plain; charset=UTF-8";
    /** Content type of {@code meta_data.json}, {@code vendor_data.json} and {@code vendor_data2.json}. */
    String APPLICATION_JSON = "application/json";

    /**
     * A 200 answer.
     *
     * <p>The record takes ownership of {@code body} without copying (answers are served at high rates and
     * many are shared between requests); {@link #body()} hands out a copy, {@link #bodyBuffer()} a
     * read-only view without copying, {@link #sharedBody()} the array itself to a caller that only reads it.
     *
     * @param body        the exact response bytes
     * @param contentType the exact {@code Content-Type} header value Nova sends
     */
    record Found(byte[] body, String contentType) implements LookupResult {
        public Found {
            Objects.requireNonNull(body, "body");
            Objects.requireNonNull(contentType, "contentType");
        }

        /** A copy of the body. */
        @Override
        public byte[] body() {
            return body.clone();
        }

        /**
         * The body itself, not a copy, for a caller that only reads it: the HTTP handler sending it, once per
         * request. Answers are shared between requests and threads, so a write into the array would change every
         * later answer.
         */
        public byte[] sharedBody() {
            return body;
        }

        /** The body as a read-only buffer, without copying. */
        public ByteBuffer bodyBuffer() {
            return ByteBuffer.wrap(body).asReadOnlyBuffer();
        }

        public int length() {
            return body.length;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Found other && contentType.equals(other.contentType) && Arrays.equals(body, other.body);
        }

        @Override
        public int hashCode() {
            return 31 * contentType.hashCode() + Arrays.hashCode(body);
        }

        @Override
        public String toString() {
            return "Found[" + contentType + ", " + body.length + " bytes]";
        }
    }

    /** A 404: unknown path, version, name or content item, or a resource the instance does not have. */
    record NotFound() implements LookupResult {
    }

    /**
     * {@code /openstack/<v>/password} with {@code v >= 2013-04-04}: the HTTP layer handles GET/POST
     * (nova-compat.md §3).
     *
     * @param version the resolved version string ({@code latest} is resolved to the newest version)
     */
    record PasswordEndpoint(String version) implements LookupResult {
        public PasswordEndpoint {
            Objects.requireNonNull(version, "version");
        }
    }
}
