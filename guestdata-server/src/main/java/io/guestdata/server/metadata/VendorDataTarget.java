package io.guestdata.server.metadata;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One dynamic vendor data target (Nova's {@code [api] vendordata_dynamic_targets} entry {@code name@url},
 * nova-compat.md §4): its answer becomes the member {@code name} of {@code vendor_data2.json}.
 *
 * @param name the member name
 * @param url  an {@code http} or {@code https} URL
 */
public record VendorDataTarget(String name, URI url) {
    public VendorDataTarget {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(url, "url");
    }

    /**
     * Parses the option as Nova does: split at the first {@code @} (so the URL may contain {@code @}), and a
     * later entry with a name already used is dropped. Nova skips an entry without {@code @} with a warning;
     * here it is a configuration error, as is a URL that is not absolute {@code http(s)}.
     *
     * @throws IllegalArgumentException naming the entry
     */
    public static List<VendorDataTarget> parseAll(List<String> entries) {
        List<VendorDataTarget> out = new ArrayList<>();
        Set<String> names = new LinkedHashSet<>();
        for (String entry : entries) {
            VendorDataTarget target = parse(entry);
            if (names.add(target.name())) {
                out.add(target);
            }
        }
        return List.copyOf(out);
    }

    static VendorDataTarget parse(String entry) {
        int at = entry.indexOf('@');
        if (at < 0) {
            throw new IllegalArgumentException("vendor data target " + entry + ": expected NAME@URL");
        }
        String name = entry.substring(0, at);
        String url = entry.substring(at + 1);
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("vendor data target " + entry + ": bad URL: " + e.getMessage(), e);
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
            throw new IllegalArgumentException("vendor data target " + entry + ": URL must be absolute http(s)://HOST/...");
        }
        return new VendorDataTarget(name, uri);
    }
}
