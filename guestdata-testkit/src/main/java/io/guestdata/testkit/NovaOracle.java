package io.guestdata.testkit;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/**
 * Nova's own code as the tests' oracle, and the Debian generation it runs in: the one way every module's tests
 * reach {@code tools/nova-oracle}. {@link #run} is {@code tools/nova-oracle/nova-oracle} (nova_oracle.py under
 * Nova release 26, Debian 12's python3-nova on this machine, or 31, Debian 13's in the cached root);
 * {@link #debianPython} runs any script under one Debian generation's interpreter and packages through
 * {@code tools/nova-oracle/debian-python}. Where each generation lives is those scripts' business, not the
 * tests' (docs/nova-releases.md).
 */
public final class NovaOracle {
    /** How long one oracle or consumer run may take (Nova alone takes about 1.7 s to import). */
    public static final Duration TIMEOUT = Duration.ofSeconds(300);

    private NovaOracle() {
    }

    /** The repository root (tests run with their module directory as working directory). */
    public static Path repoRoot() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("tools/nova-oracle"))) {
                return p;
            }
        }
        throw new IllegalStateException("repository root (with tools/nova-oracle) not found above " + here);
    }

    /**
     * Runs {@code nova_oracle.py} (its command and arguments, see tools/nova-oracle/README.md) under Nova
     * {@code release}; see {@link #assumeRelease} before using 31.
     */
    public static Command.Result run(String release, String... args) {
        return command(release, args).run();
    }

    /** {@link #run} as a command to add input (a mode that reads stdin: {@code metadata-lines}) or a deadline to. */
    public static Command command(String release, String... args) {
        List<String> argv = new ArrayList<>(List.of(tool("nova-oracle"), "--release", release));
        argv.addAll(List.of(args));
        return Command.of(argv).timeout(TIMEOUT);
    }

    /**
     * Debian generation {@code debian}'s Python and packages with {@code args} (a script's path and its
     * arguments, or {@code -c} and a program): {@code "12"} this machine's {@code /usr/bin/python3} (cloud-init
     * 22.4, python3-nova 26), {@code "13"} the cached Debian 13 root's (cloud-init 25.1, python3-nova 31; see
     * {@link #assumeDebian}; paths must then lie under the checkout, $TMPDIR or the working directory). A command
     * to add input, environment or a deadline to (default {@link #TIMEOUT}) and run.
     */
    public static Command debianPython(String debian, List<String> args) {
        List<String> argv = new ArrayList<>(List.of(tool("debian-python"), "--debian", debian));
        argv.addAll(args);
        return Command.of(argv).timeout(TIMEOUT);
    }

    /** {@link #debianPython(String, List)} of a script from the repository ({@code tools/...}) and its arguments. */
    public static Command debianPython(String debian, String script, String... args) {
        List<String> argv = new ArrayList<>(List.of(repoRoot().resolve(script).toString()));
        argv.addAll(List.of(args));
        return debianPython(debian, argv);
    }

    /** The Debian generation whose python3-nova is Nova {@code release}: 26 is Debian 12's, 31 Debian 13's. */
    public static String debianOf(String release) {
        return switch (release) {
            case "26" -> "12";
            case "31" -> "13";
            default -> throw new IllegalArgumentException("no Debian generation has Nova " + release);
        };
    }

    /** Skips the test (an assumption) when Nova {@code release} cannot run here ({@link #assumeDebian}). */
    public static void assumeRelease(String release) {
        assumeDebian(debianOf(release));
    }

    /**
     * Skips the test (an assumption) when Debian generation {@code debian} cannot run here: 12 is this machine's
     * {@code /usr/bin/python3} ({@link DebianPython}); 13's root is built on first use
     * ({@code tools/nova-oracle/build-trixie-root}, about 10 minutes), which needs root and the Debian archive;
     * without them the build exits 2 or 3 and says why. Any other failure of the build fails the test.
     */
    public static void assumeDebian(String debian) {
        if (!debian.equals("13")) {
            DebianPython.assumeInstalled();
            return;
        }
        Command.Result r = Command.of(tool("build-trixie-root")).timeout(Duration.ofHours(1)).run();
        Assumptions.assumeTrue(r.exit() != 2 && r.exit() != 3,
                () -> "Debian 13's root (Nova 31, cloud-init 25.1) is not built and cannot be built here: "
                        + r.stderr().strip());
        if (r.exit() != 0) {
            throw new IllegalStateException("tools/nova-oracle/build-trixie-root failed (" + r.exit() + "):\n"
                    + r.stderr());
        }
    }

    private static String tool(String name) {
        return repoRoot().resolve("tools/nova-oracle").resolve(name).toString();
    }
}
