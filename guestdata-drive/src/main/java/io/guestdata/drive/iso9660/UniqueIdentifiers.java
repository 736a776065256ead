package io.guestdata.drive.iso9660;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Gives the entries of one directory identifiers that are unique for readers, deterministically.
 *
 * <p>Every entry first gets its natural identifier. When several share one (by the scheme's key),
 * an entry whose identifier reproduces its name exactly keeps it, otherwise the first by real name
 * does; the others take the first fallback {@code k = 1, 2, …} whose key is neither taken nor the
 * natural key of any entry of the directory — so a fallback never takes away an identifier that
 * another entry would get naturally, and the result depends only on the set of names.
 */
final class UniqueIdentifiers {
    private UniqueIdentifiers() {
    }

    /**
     * @param names       real names, in a deterministic order (sorted)
     * @param directories whether each entry is a directory
     * @return identifiers, index by index
     */
    static List<String> assign(List<String> names, List<Boolean> directories, IdentifierScheme scheme) {
        int n = names.size();
        String[] natural = new String[n];
        Set<String> reserved = new HashSet<>();
        for (int i = 0; i < n; i++) {
            natural[i] = scheme.natural(names.get(i), directories.get(i));
            reserved.add(scheme.key(natural[i], directories.get(i)));
        }
        List<Integer> order = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (scheme.exact(names.get(i), natural[i], directories.get(i))) {
                order.add(i);
            }
        }
        for (int i = 0; i < n; i++) {
            if (!scheme.exact(names.get(i), natural[i], directories.get(i))) {
                order.add(i);
            }
        }
        String[] result = new String[n];
        Set<String> taken = new HashSet<>();
        // per natural identifier, the next fallback number to try: many names mapping to one
        // identifier (e.g. non-ASCII names of equal length in the primary hierarchy) stay linear
        Map<String, Integer> nextFallback = new HashMap<>();
        for (int i : order) {
            boolean dir = directories.get(i);
            String naturalKey = scheme.key(natural[i], dir);
            if (taken.add(naturalKey)) {
                result[i] = natural[i];
                continue;
            }
            for (int k = nextFallback.getOrDefault(naturalKey + (dir ? "/" : ""), 1); ; k++) {
                String alt = scheme.alternative(natural[i], dir, k);
                String key = scheme.key(alt, dir);
                if (!reserved.contains(key) && taken.add(key)) {
                    result[i] = alt;
                    nextFallback.put(naturalKey + (dir ? "/" : ""), k + 1);
                    break;
                }
            }
        }
        return List.of(result);
    }
}
