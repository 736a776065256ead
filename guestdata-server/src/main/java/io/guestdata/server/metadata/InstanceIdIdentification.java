package io.guestdata.server.metadata;

import java.util.List;
import java.util.Optional;

/**
 * Instance-ID mode (Neutron's metadata proxy, nova-compat.md §2.3a): the proxy names the instance in
 * {@code X-Instance-ID}, signs it with the shared secret in {@code X-Instance-ID-Signature}, and names the
 * owning project in {@code X-Tenant-ID}. The source address is not used to identify.
 *
 * <p>The checks and messages are Nova's, in Nova's order: missing headers (400), repeated headers (400),
 * signature (403), unknown instance or another project's instance (404). Nova's WSGI server joins repeated
 * headers, so its "Multiple … headers" messages never fire there; here they do, which refuses a request
 * that names two instances instead of hashing their joined names.
 */
final class InstanceIdIdentification implements Identification.Strategy {
    static final String INSTANCE_ID = "X-Instance-ID";
    static final String SIGNATURE = "X-Instance-ID-Signature";
    static final String TENANT_ID = "X-Tenant-ID";

    private final InstanceDirectory directory;
    private final ProxySignature signature;

    InstanceIdIdentification(InstanceDirectory directory, ProxySignature signature) {
        this.directory = directory;
        this.signature = signature;
    }

    @Override
    public Identification identify(Identification.Request request) {
        List<String> ids = request.headers(INSTANCE_ID);
        List<String> signatures = request.headers(SIGNATURE);
        List<String> tenants = request.headers(TENANT_ID);
        String missing = ids.isEmpty() ? "X-Instance-ID header is missing from request."
                : signatures.isEmpty() ? "X-Instance-ID-Signature header is missing from request."
                : tenants.isEmpty() ? "X-Tenant-ID header is missing from request."
                : null;
        if (missing != null) {
            return new Identification.Refused(ErrorResponse.badRequest(missing), "missing_header");
        }
        String multiple = ids.size() > 1 ? "Multiple X-Instance-ID headers found within request."
                : tenants.size() > 1 ? "Multiple X-Tenant-ID headers found within request."
                : null;
        if (multiple != null) {
            return new Identification.Refused(ErrorResponse.badRequest(multiple), "multiple_headers");
        }
        String instanceId = ids.getFirst();
        if (!signature.verify(instanceId, request.header(SIGNATURE))) {
            return new Identification.Refused(ErrorResponse.BAD_SIGNATURE, "bad_signature");
        }
        Optional<ServedInstance> instance = directory.servedByUuid(instanceId);
        if (instance.isEmpty()) {
            return new Identification.Refused(ErrorResponse.NOT_FOUND, "unknown_instance");
        }
        // Nova compares instance.project_id with the header: an instance without a project never matches.
        if (!instance.get().projectId().map(tenants.getFirst()::equals).orElse(false)) {
            return new Identification.Refused(ErrorResponse.NOT_FOUND, "tenant_mismatch");
        }
        ForwardedFor forwarded = ForwardedFor.of(request.headers(AddressIdentification.FORWARDED_FOR));
        return new Identification.Identified(instance.get(), forwarded.last(), forwarded.size() > 1);
    }
}
