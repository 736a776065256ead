package io.guestdata.server.metadata;

import java.net.InetAddress;
import java.util.List;
import java.util.Objects;

/** Which instance a request is for (nova-compat.md §2.2, §2.3), or the error answer when there is none. */
sealed interface Identification {

    /**
     * @param instance         the instance, as its directory serves it
     * @param requesterAddress what Nova passes as the requester address (the {@code local-ipv4} fallback);
     *                         null when there is none
     * @param forwardedByGuest whether the request left the guest already carrying {@code X-Forwarded-For}
     */
    record Identified(ServedInstance instance, String requesterAddress, boolean forwardedByGuest)
            implements Identification {
        public Identified {
            Objects.requireNonNull(instance, "instance");
        }
    }

    /**
     * @param error  the answer
     * @param reason a short label for the failure metric ({@code missing_header}, {@code bad_signature},
     *               {@code unknown_instance}, {@code tenant_mismatch}, {@code bad_forwarded_for} …)
     */
    record Refused(ErrorResponse error, String reason) implements Identification {
    }

    /** What identification may look at: the TCP peer and the request headers. */
    interface Request {
        InetAddress peer();

        /** Every value of a header, one per header line, in order; empty when absent. */
        List<String> headers(String name);

        /** A header's value, repeated lines joined with {@code ,} as the WSGI server Nova runs under does. */
        default String header(String name) {
            List<String> values = headers(name);
            return values.isEmpty() ? null : String.join(",", values);
        }
    }

    /** One way of identifying requesters (the service's configured mode). */
    interface Strategy {
        Identification identify(Request request);
    }
}
