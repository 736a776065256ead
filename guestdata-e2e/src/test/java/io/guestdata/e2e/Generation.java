package io.guestdata.e2e;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A guest generation the suite boots: a Debian release with the cloud-init Debian ships in it, built by
 * {@code image/build-guest-image <suite>} from one recipe. Paths that every guest must handle run on each;
 * {@code GUESTDATA_E2E_GENERATIONS} (e.g. {@code debian13}) limits a run to some of them.
 */
enum Generation {
    /** Debian 12 (bookworm), cloud-init 22.4: ephemeral DHCP with dhclient. */
    DEBIAN12("bookworm", "Debian 12", "22.4"),
    /** Debian 13 (trixie), cloud-init 25.1: ephemeral DHCP with dhcpcd; probes fe80::a9fe:a9fe too. */
    DEBIAN13("trixie", "Debian 13", "25.1");

    /** The Debian suite, the argument of build-guest-image. */
    final String suite;
    private final String release;
    private final String cloudInit;

    Generation(String suite, String release, String cloudInit) {
        this.suite = suite;
        this.release = release;
        this.cloudInit = cloudInit;
    }

    /** {@code debian12}: the image's cache folder prefix, the work folder of its boots, the selector's word. */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The generations this run boots: all, or those GUESTDATA_E2E_GENERATIONS names (comma-separated). */
    static List<Generation> selected() {
        String s = System.getenv("GUESTDATA_E2E_GENERATIONS");
        if (s == null || s.isBlank()) {
            return List.of(values());
        }
        return Arrays.stream(s.split(",")).map(String::strip).filter(w -> !w.isEmpty()).map(w -> Arrays.stream(values())
                .filter(g -> g.id().equals(w)).findFirst().orElseThrow(() -> new IllegalArgumentException(
                        "GUESTDATA_E2E_GENERATIONS: unknown generation '" + w + "' (debian12, debian13)"))).toList();
    }

    @Override
    public String toString() {
        return release + " (cloud-init " + cloudInit + ")";
    }
}
