package io.guestdata.server.metadata;

import java.net.InetSocketAddress;

/** Metadata servers on ephemeral loopback ports. */
final class TestServers {
    private TestServers() {
    }

    /** A builder listening on 127.0.0.1 (any port), management on 127.0.0.1 (any port). */
    static MetadataServerConfig.Builder config() {
        return MetadataServerConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0))
                .management(new InetSocketAddress("127.0.0.1", 0));
    }
}
