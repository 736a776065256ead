package io.guestdata.inject;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What disk injection can write, in Nova's order ({@code nova/virt/disk/api.py},
 * {@code inject_data_into_fs}: key, net, metadata, admin_password, files; nova-compat.md §7).
 * The declaration order is the order of application.
 */
public enum InjectionItem {
    /** SSH public keys into {@code /root/.ssh/authorized_keys} (and the SELinux rc.local step). */
    KEY,
    /** {@code /etc/network/interfaces} from Nova's template, plus the guest's native format. */
    NET,
    /** {@code /meta.js}: the user metadata as Python's {@code json.dumps}. */
    METADATA,
    /** The admin password as a crypt(3) hash in {@code /etc/shadow}. */
    PASSWORD,
    /** The personality files. */
    FILES;

    /** The name used on the command line and in reports ({@code key}, {@code net}, …). */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Parses a label.
     *
     * @throws IllegalArgumentException naming the valid labels
     */
    public static InjectionItem ofLabel(String label) {
        for (InjectionItem item : values()) {
            if (item.label().equals(label.strip())) {
                return item;
            }
        }
        throw new IllegalArgumentException("unknown injection item '" + label + "'; use one of " + labels());
    }

    /** Every item, in order. */
    public static Set<InjectionItem> all() {
        return EnumSet.allOf(InjectionItem.class);
    }

    /** {@code key, net, metadata, password, files}. */
    public static String labels() {
        return Arrays.stream(values()).map(InjectionItem::label).collect(Collectors.joining(", "));
    }
}
