package io.guestdata.core.metadata;

import java.util.ArrayList;
import java.util.List;

/** Python's {@code posixpath.normpath}, which Nova runs on every request path (nova-compat.md §1.2). */
final class PosixPath {
    private PosixPath() {
    }

    /**
     * Resolves {@code .} and {@code ..}, collapses repeated {@code /} and drops a trailing {@code /}.
     * As POSIX allows, exactly two leading slashes are kept ({@code //a} stays {@code //a}); three or
     * more become one. An empty result is {@code .}.
     */
    static String normpath(String path) {
        if (path.isEmpty()) {
            return ".";
        }
        int initialSlashes = path.startsWith("/") ? 1 : 0;
        if (initialSlashes == 1 && path.startsWith("//") && !path.startsWith("///")) {
            initialSlashes = 2;
        }
        List<String> kept = new ArrayList<>();
        for (String comp : path.split("/", -1)) {
            if (comp.isEmpty() || comp.equals(".")) {
                continue;
            }
            boolean parent = comp.equals("..");
            if (!parent || (initialSlashes == 0 && kept.isEmpty())
                    || (!kept.isEmpty() && kept.getLast().equals(".."))) {
                kept.add(comp);
            } else if (!kept.isEmpty()) {
                kept.removeLast();
            }
        }
        String joined = "/".repeat(initialSlashes) + String.join("/", kept);
        return joined.isEmpty() ? "." : joined;
    }
}
