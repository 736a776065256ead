package io.guestdata.server.metadata;

import java.util.Optional;

/**
 * Remote-IP mode (Nova's default, {@code service_metadata_proxy=False}): the guest is whoever owns the source
 * address of the connection, or, when the connection comes from a trusted proxy, the address the proxies
 * vouch for in {@code X-Forwarded-For} ({@link TrustedProxies}). {@code X-Instance-ID} and friends are
 * ignored, as Nova ignores them in this mode.
 */
final class AddressIdentification implements Identification.Strategy {
    static final String FORWARDED_FOR = "X-Forwarded-For";

    private final InstanceDirectory directory;
    private final TrustedProxies trustedProxies;

    AddressIdentification(InstanceDirectory directory, TrustedProxies trustedProxies) {
        this.directory = directory;
        this.trustedProxies = trustedProxies;
    }

    @Override
    public Identification identify(Identification.Request request) {
        return switch (trustedProxies.client(request.peer(), request.headers(FORWARDED_FOR))) {
            case TrustedProxies.Client.Malformed m -> new Identification.Refused(
                    ErrorResponse.badRequest("X-Forwarded-For is not a list of IP addresses."), "bad_forwarded_for");
            case TrustedProxies.Client.Found client -> {
                Optional<ServedInstance> instance = directory.servedByAddress(client.address());
                yield instance.<Identification>map(t -> new Identification.Identified(
                                t, IpAddressText.format(client.address()), client.forwardedByGuest()))
                        .orElseGet(() -> new Identification.Refused(ErrorResponse.NOT_FOUND, "unknown_instance"));
            }
        };
    }
}
