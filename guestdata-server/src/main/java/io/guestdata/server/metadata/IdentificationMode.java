package io.guestdata.server.metadata;

import java.util.Locale;

/** How the service tells which instance a request is for (nova-compat.md §2.2). */
public enum IdentificationMode {
    /**
     * The connection's source address (Nova's remote-IP mode), or {@code X-Forwarded-For} when the connection
     * comes from a trusted proxy.
     */
    ADDRESS,
    /** Neutron's metadata proxy: signed {@code X-Instance-ID} plus {@code X-Tenant-ID}. */
    PROXY,
    /** A metadata provider (load balancer): signed {@code X-Metadata-Provider} plus {@code X-Forwarded-For}. */
    PROVIDER;

    /** The name in configuration and metrics: {@code address}, {@code proxy}, {@code provider}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static IdentificationMode parse(String text) {
        for (IdentificationMode m : values()) {
            if (m.label().equals(text)) {
                return m;
            }
        }
        throw new IllegalArgumentException("identification mode must be address, proxy or provider: " + text);
    }
}
