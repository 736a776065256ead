package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Our ISO 9660 config drive with {@code --nova-release R} against the one Nova R itself makes for the same instance
 * ({@code tools/nova-oracle/nova_oracle.py iso}: {@code ConfigDriveBuilder.make_drive}, genisoimage): the
 * same volume identity, the same names in the Rock Ridge and Joliet hierarchies, the same file bytes
 * (random_seed masked; Nova's DHCP {@code local-ipv4}, see {@link NovaConfigDriveComparisonTest}), and
 * cloud-init reads the files extracted from each the same way.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ToolTest
class NovaConfigDriveImageComparisonTest {
    private final Path work;

    NovaConfigDriveImageComparisonTest() throws Exception {
        work = Files.createTempDirectory("nova-iso");
    }

    @AfterAll
    void clean() throws Exception {
        Images.deleteTree(work);
    }

    @ParameterizedTest
    @CsvSource({"26, static", "26, dhcp", "26, full", "26, minimal", "26, nonascii", "31, static", "31, full"})
    void ourIsoHoldsWhatNovasHolds(String release, String name) throws Exception {
        NovaOracle.assumeRelease(release);
        Path doc = CloudInitReadsConfigDriveTreeTest.resource("nova/" + name + ".json");
        Path nova = work.resolve("nova" + release + "-" + name + ".iso");
        Command.Result oracle = NovaOracle.run(release, "iso", doc.toString(), nova.toString());
        assertEquals(0, oracle.exit(), "Nova " + release + "'s config drive builder failed:\n" + oracle.stderr());
        Path ours = work.resolve("ours" + release + "-" + name + ".iso");
        Cli cli = Cli.run("configdrive", "--nova-release", release, "--instance", doc.toString(), "--format", "iso9660",
                "--output", ours.toString());
        assertEquals(ExitCode.OK, cli.exitCode(), cli.toString());

        Map<String, String> novaInfo = volume(nova);
        Map<String, String> ourInfo = volume(ours);
        for (String field : List.of("Volume id", "System id")) {
            assertEquals(novaInfo.get(field), ourInfo.get(field), field);
        }
        assertEquals("config-2", ourInfo.get("Volume id"));
        for (String flag : List.of("-R", "-J")) {
            assertEquals(Images.ok("isoinfo", flag, "-f", "-i", nova.toString()).lines().sorted().toList(),
                    Images.ok("isoinfo", flag, "-f", "-i", ours.toString()).lines().sorted().toList(),
                    "isoinfo " + flag + " names");
        }

        Path novaFiles = Images.extractIso(nova, work.resolve("nova" + release + "-" + name));
        Path ourFiles = Images.extractIso(ours, work.resolve("ours" + release + "-" + name));
        Map<String, String> expected = new TreeMap<>(Images.maskedFiles(novaFiles));
        expected.replaceAll((path, text) -> knownDifference(name, text));
        assertEquals(expected, Images.maskedFiles(ourFiles), name + ": the files differ from Nova " + release + "'s");

        if (!name.equals("minimal") && !name.equals("nonascii")) {
            ObjectNode fromNova = Images.configDriveView(novaFiles, null);
            if (name.equals("dhcp")) {
                ((ObjectNode) fromNova.get("ec2_metadata")).putNull("local-ipv4");
            }
            assertTrue(fromNova.get("claimed").asBoolean());
            assertEquals(fromNova, Images.configDriveView(ourFiles, null), name + ": cloud-init saw something else");
        }
    }

    /** {@code isoinfo -d} as "field: value". */
    private static Map<String, String> volume(Path iso) throws Exception {
        Map<String, String> out = new TreeMap<>();
        for (String line : Images.ok("isoinfo", "-d", "-i", iso.toString()).split("\n")) {
            int colon = line.indexOf(": ");
            if (colon > 0) {
                out.put(line.substring(0, colon), line.substring(colon + 2));
            }
        }
        return out;
    }

    /** See {@link NovaConfigDriveComparisonTest}: Nova's DHCP port address, which no instance document holds. */
    private static String knownDifference(String name, String nova) {
        return name.equals("dhcp") ? nova.replace("\"local-ipv4\": \"192.0.2.1\"", "\"local-ipv4\": null") : nova;
    }
}
