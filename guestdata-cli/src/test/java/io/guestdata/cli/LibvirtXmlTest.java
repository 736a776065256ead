package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.drive.libvirt.DiskCache;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.NovaOracle;
import io.guestdata.testkit.ToolTest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * {@code --libvirt-xml}: well-formed XML (the JDK's parser), and structurally the elements Nova's own libvirt code
 * makes for the config drive, Nova 26's and (with {@code --nova-release 31}) Nova 31's, whose SMBIOS version is its
 * own ({@code tools/nova-oracle/nova_libvirt_xml.py}, run under each release's Debian, drives {@code blockinfo},
 * {@code imagebackend.Flat.libvirt_info}, {@code _get_guest_config_sysinfo} and
 * {@code LibvirtConfigGuestSMBIOS} with the same instance, format, machine type and path).
 */
@ToolTest
class LibvirtXmlTest {
    private static final String UUID = "83679162-1378-4288-a2d4-70e13ec132aa";

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "Nova {0}: {1} on {2}")
    @CsvSource({"26, iso9660, pc", "26, iso9660, q35", "26, vfat, pc", "26, vfat, q35", "31, iso9660, pc",
        "31, vfat, q35"})
    void equalsWhatNovasLibvirtDriverMakes(String release, String format, String machine) throws Exception {
        NovaOracle.assumeRelease(release);
        Path image = tmp.resolve("disk.config");
        Cli r = run(format, image, "--machine-type", machine, "--nova-release", release);
        Element ours = parse(r.out());
        Command.Result nova = Tool.debianPython(NovaOracle.debianOf(release), "tools/nova-oracle/nova_libvirt_xml.py", "--format",
                format, "--machine-type", machine, "--uuid", UUID, "--disk-path", image.toString());
        assertEquals(0, nova.exit(), nova.stderr());
        assertEquals(structure(parse(nova.stdout())), structure(ours), "ours:\n" + r.out() + "Nova's:\n" + nova.stdout());
        assertTrue(r.stderr().startsWith("wrote "), "the summary goes to stderr when stdout carries XML: " + r.stderr());
    }

    @Test
    void theDiskIsTheOneNovaAttachesAndTheSmbiosTheOneCloudInitChecks() throws Exception {
        Path image = tmp.resolve("disk.config");
        String xml = run("iso9660", image).out();
        Element domain = parse(xml);
        Element disk = only(domain, "devices", "disk");
        assertEquals("cdrom", disk.getAttribute("device"));
        assertEquals(image.toString(), only(disk, "source").getAttribute("file"));
        assertEquals("hda", only(disk, "target").getAttribute("dev"));
        assertEquals("ide", only(disk, "target").getAttribute("bus"));
        assertEquals("none", only(disk, "driver").getAttribute("cache"), "the temp dir supports O_DIRECT");
        Map<String, String> smbios = new TreeMap<>();
        Element system = only(domain, "sysinfo", "system");
        for (Node n = system.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e) {
                smbios.put(e.getAttribute("name"), e.getTextContent());
            }
        }
        // the version is the default release's (Nova 31's own is checked in equalsWhatNovasLibvirtDriverMakes)
        assertEquals(Map.of("manufacturer", "OpenStack Foundation", "product", "OpenStack Nova", "version",
                NovaRelease.DEFAULT.version(),
                "serial", UUID, "uuid", UUID, "family", "Virtual Machine"), smbios);
        assertEquals("sysinfo", only(domain, "os", "smbios").getAttribute("mode"));
    }

    @Test
    void aNoCloudSeedIsAttachedLikeTheConfigDriveOfItsFormatWithoutOpenStackSmbios() throws Exception {
        for (String[] c : new String[][] {{"iso9660", "cdrom", "sda", "sata"}, {"vfat", "disk", "vdb", "virtio"}}) {
            Path seed = tmp.resolve("seed-" + c[0]);
            Cli r = Cli.run("configdrive", "--instance", doc(), "--format", "nocloud", "--drop-files",
                    "--nocloud-filesystem", c[0], "--output", seed.toString(), "--libvirt-xml", "--machine-type", "q35");
            assertEquals(ExitCode.OK, r.exitCode(), r.toString());
            Element domain = parse(r.out());
            assertEquals(List.of("devices"), childNames(domain), "no <sysinfo>: a NoCloud guest is no OpenStack guest");
            Element disk = only(domain, "devices", "disk");
            assertEquals(c[1], disk.getAttribute("device"));
            assertEquals(c[2], only(disk, "target").getAttribute("dev"));
            assertEquals(c[3], only(disk, "target").getAttribute("bus"));
        }
    }

    @Test
    void optionsOverrideThePathDeviceAndCacheAndValuesAreEscaped() throws Exception {
        Path image = tmp.resolve("disk.config");
        String path = "/var/lib/nova/instances/a&b <\"c\">/disk.config";
        Cli r = run("vfat", image, "--disk-path", path, "--target-dev", "vdd", "--disk-cache", "writeback");
        Element disk = only(parse(r.out()), "devices", "disk");
        assertEquals(path, only(disk, "source").getAttribute("file"));
        assertEquals("vdd", only(disk, "target").getAttribute("dev"));
        assertEquals("writeback", only(disk, "driver").getAttribute("cache"));
    }

    @Test
    void directIoProbeAgreesWithNovasOnTheSameDirectory() throws Exception {
        for (Path dir : List.of(tmp, Path.of("/dev/shm"))) {
            if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
                continue;
            }
            Path image = dir.resolve("guestdata-probe-" + System.nanoTime() + ".config");
            Command.Result nova = Tool.python("tools/nova-oracle/nova_libvirt_xml.py", "--format", "iso9660",
                    "--machine-type", "pc", "--uuid", UUID, "--disk-path", image.toString());
            assertEquals(0, nova.exit(), nova.stderr());
            String novaCache = only(only(parse(nova.stdout()), "devices", "disk"), "driver").getAttribute("cache");
            assertEquals(novaCache, DiskCache.forDirectory(dir), dir.toString());
            try (var left = Files.list(dir)) {
                assertFalse(left.anyMatch(p -> p.getFileName().toString().startsWith(".directio.test")),
                        "the probe file is removed");
            }
        }
    }

    @Test
    void xmlOptionsNeedTheXmlAndATreeHasNone() throws Exception {
        Path out = tmp.resolve("x.iso");
        for (String[] args : new String[][] {
            {"--format", "iso9660", "--machine-type", "q35"},
            {"--format", "iso9660", "--disk-path", "/x"},
            {"--format", "tree", "--libvirt-xml"},
            {"--format", "iso9660", "--libvirt-xml", "--disk-path", "/x\u0001y"}}) {
            List<String> all = new ArrayList<>(List.of("configdrive", "--instance", doc(), "--output", out.toString()));
            all.addAll(Arrays.asList(args));
            Cli r = Cli.run(all.toArray(String[]::new));
            assertEquals(ExitCode.USAGE, r.exitCode(), r.toString());
            assertFalse(Files.exists(out));
        }
    }

    private Cli run(String format, Path image, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("configdrive", "--instance", doc(), "--format", format,
                "--output", image.toString(), "--libvirt-xml"));
        args.addAll(Arrays.asList(extra));
        Cli r = Cli.run(args.toArray(String[]::new));
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        Files.delete(image);
        return r;
    }

    private static String doc() throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString();
    }

    /** Parses with the JDK's XML parser, which refuses anything not well-formed. */
    static Element parse(String xml) throws Exception {
        DocumentBuilderFactory f = DocumentBuilderFactory.newInstance();
        f.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        return f.newDocumentBuilder().parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement();
    }

    /** Element names, attributes (as a sorted map), trimmed text and children in order; whitespace and comments ignored. */
    static String structure(Element e) {
        StringBuilder s = new StringBuilder("<").append(e.getTagName());
        Map<String, String> attributes = new TreeMap<>();
        NamedNodeMap map = e.getAttributes();
        for (int i = 0; i < map.getLength(); i++) {
            attributes.put(map.item(i).getNodeName(), map.item(i).getNodeValue());
        }
        s.append(' ').append(attributes).append('>');
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                s.append(structure(child));
            } else if (n.getNodeType() == Node.TEXT_NODE && !n.getNodeValue().isBlank()) {
                s.append('"').append(n.getNodeValue().strip()).append('"');
            }
        }
        return s.append("</").append(e.getTagName()).append('>').toString();
    }

    private static List<String> childNames(Element e) {
        List<String> names = new ArrayList<>();
        for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element child) {
                names.add(child.getTagName());
            }
        }
        return names;
    }

    private static Element only(Element parent, String... path) {
        Element e = parent;
        for (String name : path) {
            Element found = null;
            for (Node n = e.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element child && child.getTagName().equals(name)) {
                    assertTrue(found == null, "more than one <" + name + ">");
                    found = child;
                }
            }
            assertTrue(found != null, "no <" + name + "> in <" + e.getTagName() + ">");
            e = found;
        }
        return e;
    }
}
