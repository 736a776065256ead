package io.guestdata.server.metadata;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Which peers may tell us, in {@code X-Forwarded-For}, whom they forward for; and the client address that
 * follows from a request.
 *
 * <p>Nova's {@code [api] use_forwarded_for=True} believes the header from anyone, so any guest can claim any
 * other guest's address and read its metadata (OSSN-0074). Here the header counts only when the TCP peer is
 * in this list, and then it is read from the right, as each proxy appends the address it received from:
 * the client is the rightmost address that is not itself a trusted proxy. Addresses left of it were written
 * by the client (or by proxies we do not trust) and are never believed.
 */
final class TrustedProxies {
    private final List<AddressBlock> blocks;

    TrustedProxies(List<AddressBlock> blocks) {
        this.blocks = List.copyOf(blocks);
    }

    static TrustedProxies none() {
        return new TrustedProxies(List.of());
    }

    boolean isEmpty() {
        return blocks.isEmpty();
    }

    boolean trusts(InetAddress address) {
        for (AddressBlock block : blocks) {
            if (block.contains(address)) {
                return true;
            }
        }
        return false;
    }

    List<AddressBlock> blocks() {
        return blocks;
    }

    /** The client of a request, or why there is none. */
    sealed interface Client {
        /**
         * @param address          the client's address
         * @param forwardedByGuest whether {@code X-Forwarded-For} holds addresses left of the client's, i.e.
         *                         the request left the guest already carrying the header (IMDSv2 refuses
         *                         token requests that did)
         */
        record Found(InetAddress address, boolean forwardedByGuest) implements Client {
        }

        /** {@code X-Forwarded-For} from a trusted proxy that is not a list of IP addresses. */
        record Malformed(String value) implements Client {
        }
    }

    /**
     * @param peer          the TCP peer
     * @param forwardedFor  every {@code X-Forwarded-For} header line, in order (empty when none)
     */
    Client client(InetAddress peer, List<String> forwardedFor) {
        if (!trusts(peer)) {
            return new Client.Found(peer, !forwardedFor.isEmpty());
        }
        List<String> chain = new ArrayList<>();
        for (String line : forwardedFor) {
            for (String element : line.split(",", -1)) {
                chain.add(element.strip());
            }
        }
        // Right to left: skip our own trusted proxies; the first other address is the client. What is left
        // of it came from the client and is not even parsed.
        InetAddress leftmostTrusted = peer;
        for (int i = chain.size() - 1; i >= 0; i--) {
            Optional<InetAddress> address = IpAddressText.parse(chain.get(i));
            if (address.isEmpty()) {
                return new Client.Malformed(String.join(",", forwardedFor));
            }
            if (!trusts(address.get())) {
                return new Client.Found(address.get(), i > 0);
            }
            leftmostTrusted = address.get();
        }
        // Only trusted proxies (or no header): the leftmost of them is the client as far as anyone can tell.
        return new Client.Found(leftmostTrusted, false);
    }
}
