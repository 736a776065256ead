package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The README's test command sets up the machine (tools/test-packages.sh): without root, a missing
 * package stops it at once with the exact apt-get line, before any test runs; with every package
 * present it says nothing and goes on.
 */
@ToolTest
class TestPackagesTest {
    private static String script() {
        return Tool.repoRoot().resolve("tools/test-packages.sh").toString();
    }

    @Test
    void withoutRootAMissingPackageStopsWithTheAptGetLine() throws Exception {
        assumeTrue("root".equals(System.getProperty("user.name")), "needs root to run the check as nobody");
        Command.Result r = Tool.run(List.of("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "bash", "-c",
                ". " + script() + "; GUESTDATA_TEST_PACKAGES+=(guestdata-absent-package); guestdata_test_packages"));
        assertEquals(2, r.exit(), r.stdout() + r.stderr());
        assertTrue(r.stderr().contains("apt-get install -y --no-install-recommends guestdata-absent-package\n"), r.stderr());
        assertTrue(!r.stderr().contains("cloud-init"), "only what is missing is named: " + r.stderr());
    }

    @Test
    void everyPackageOfTheListIsInstalledHere() throws Exception {
        Command.Result r = Tool.run(List.of("bash", "-c", ". " + script() + "; guestdata_missing_packages"));
        assertEquals(0, r.exit(), r.stderr());
        assertEquals("", r.stdout(), "run-tests installed every package of its list");
    }
}
