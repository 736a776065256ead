package io.guestdata.inject;

import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * What to inject.
 *
 * @param items        the items to inject (in any order; they are applied in Nova's)
 * @param explicit     whether the items were named ({@code --only}): an item named without data to
 *                     inject is then refused instead of skipped
 * @param passwordHash the crypt scheme for the admin password
 * @param lxc          render the interfaces template as Nova does for libvirt {@code virt_type=lxc}
 */
public record InjectionRequest(Set<InjectionItem> items, boolean explicit, PasswordHash passwordHash, boolean lxc) {
    public InjectionRequest {
        Objects.requireNonNull(passwordHash, "passwordHash");
        items = items.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(items));
    }

    /** Every item, SHA-512 passwords, not lxc. */
    public static InjectionRequest everything() {
        return new InjectionRequest(InjectionItem.all(), false, PasswordHash.SHA512, false);
    }
}
