package io.guestdata.server.metadata;

import java.util.Optional;

/**
 * Provider (load-balancer) mode (nova-compat.md §2.3b): a metadata provider names itself in
 * {@code X-Metadata-Provider}, signs that name in {@code X-Metadata-Provider-Signature}, and gives the guest's
 * address as the first element of {@code X-Forwarded-For}.
 *
 * <p>Nova asks Neutron for the port with that address on the networks served by that provider. We have no
 * Neutron: the provider name is authenticated by its signature and otherwise not used, and the guest is the
 * instance that owns the address in the directory. So addresses must be unique across everything this
 * service serves, and the provider must overwrite (not append to) {@code X-Forwarded-For}: the first element
 * is whatever reached the provider first. A lookup that finds nothing is answered as Nova answers a port
 * query that found none.
 *
 * <p>Nova checks the signature only when a secret is configured; this service refuses to start provider mode
 * without one ({@link MetadataServerConfig}), since anyone who can reach it could then name any address.
 */
final class ProviderIdentification implements Identification.Strategy {
    static final String PROVIDER = "X-Metadata-Provider";
    static final String PROVIDER_SIGNATURE = "X-Metadata-Provider-Signature";

    private final InstanceDirectory directory;
    private final ProxySignature signature;

    ProviderIdentification(InstanceDirectory directory, ProxySignature signature) {
        this.directory = directory;
        this.signature = signature;
    }

    @Override
    public Identification identify(Identification.Request request) {
        ForwardedFor forwarded = ForwardedFor.of(request.headers(AddressIdentification.FORWARDED_FOR));
        if (forwarded.size() == 0) {
            return new Identification.Refused(
                    ErrorResponse.badRequest("X-Forwarded-For is missing from request."), "missing_header");
        }
        String provider = request.header(PROVIDER);
        if (provider == null || provider.isEmpty()) {
            return new Identification.Refused(
                    ErrorResponse.badRequest("X-Metadata-Provider is missing from request."), "missing_header");
        }
        String address = forwarded.first();
        if (!signature.secretEmpty() && !signature.verify(provider, request.header(PROVIDER_SIGNATURE))) {
            return new Identification.Refused(ErrorResponse.BAD_SIGNATURE, "bad_signature");
        }
        Optional<ServedInstance> instance = IpAddressText.parse(address).flatMap(directory::servedByAddress);
        if (instance.isEmpty()) {
            return new Identification.Refused(ErrorResponse.badRequest(
                    "Expected a single port matching provider " + provider + " and IP " + address + ". Found 0."),
                    "unknown_instance");
        }
        return new Identification.Identified(instance.get(), address, forwarded.size() > 1);
    }
}
