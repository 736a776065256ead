package io.guestdata.server.metadata;

import java.net.InetAddress;
import java.util.Arrays;
import java.util.Objects;

/**
 * An address block in CIDR notation ({@code 10.0.0.0/8}, {@code fd00::/64}, or a single address), e.g. one
 * entry of the trusted-proxy list.
 *
 * @param network the network address (host bits zero)
 * @param prefix  the prefix length
 */
public record AddressBlock(InetAddress network, int prefix) {
    public AddressBlock {
        Objects.requireNonNull(network, "network");
        int bits = network.getAddress().length * 8;
        if (prefix < 0 || prefix > bits) {
            throw new IllegalArgumentException("prefix /" + prefix + " out of range 0.." + bits);
        }
    }

    /**
     * @param text {@code ADDRESS} or {@code ADDRESS/PREFIX}
     * @throws IllegalArgumentException when it is not one, or host bits are set ({@code 10.0.0.1/8})
     */
    public static AddressBlock parse(String text) {
        int slash = text.indexOf('/');
        String addressText = slash < 0 ? text : text.substring(0, slash);
        InetAddress address = IpAddressText.parse(addressText)
                .orElseThrow(() -> new IllegalArgumentException("not an IP address: " + addressText + " (in " + text + ")"));
        int bits = address.getAddress().length * 8;
        int prefix = bits;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}") || Integer.parseInt(p) > bits) {
                throw new IllegalArgumentException("prefix length must be 0.." + bits + ": " + text);
            }
            prefix = Integer.parseInt(p);
        }
        AddressBlock block = new AddressBlock(address, prefix);
        if (!Arrays.equals(mask(address.getAddress(), prefix), address.getAddress())) {
            throw new IllegalArgumentException("host bits set in " + text + "; the network is "
                    + IpAddressText.format(block.networkOf(address)) + "/" + prefix);
        }
        return block;
    }

    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        byte[] n = network.getAddress();
        return a.length == n.length && Arrays.equals(mask(a, prefix), n);
    }

    private InetAddress networkOf(InetAddress address) {
        try {
            return InetAddress.getByAddress(mask(address.getAddress(), prefix));
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] mask(byte[] address, int prefix) {
        byte[] out = address.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            out[i] &= (byte) (keep == 0 ? 0 : (0xff << (8 - keep)));
        }
        return out;
    }

    @Override
    public String toString() {
        return IpAddressText.format(network) + "/" + prefix;
    }
}
