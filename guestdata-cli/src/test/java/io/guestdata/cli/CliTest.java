package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes, errors on one line each, nothing written on failure. */
class CliTest {
    @TempDir
    Path tmp;

    private static String full() throws Exception {
        return CloudInitReadsConfigDriveTreeTest.resource("instances/full.json").toString();
    }

    @Test
    void validateAcceptsAValidDocument() throws Exception {
        Cli r = Cli.run("validate", "--instance", full());
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(r.out().startsWith("valid: 83679162-1378-4288-a2d4-70e13ec132aa"), r.out());
    }

    @Test
    void validateReportsEveryErrorAtOnceWithPointers() throws Exception {
        Path doc = Files.writeString(tmp.resolve("bad.json"), """
                {"uuid": "not-a-uuid", "name": "ok", "metadata": {"bad/key": "v"},
                 "files": [{"path": "relative", "contents": "aGk="}], "surprise": 1}
                """);
        Cli r = Cli.run("validate", "--instance", doc.toString());
        assertEquals(ExitCode.INVALID_INSTANCE, r.exitCode(), r.toString());
        List<String> lines = r.stderr().lines().toList();
        assertTrue(lines.size() >= 4, r.stderr());
        for (String pointer : List.of("/uuid", "/metadata/bad~1key", "/files/0/path", "/surprise")) {
            assertTrue(lines.stream().anyMatch(l -> l.contains(pointer)), pointer + " missing in:\n" + r.stderr());
        }
        assertTrue(r.out().isEmpty(), "nothing on stdout for an invalid document");
    }

    @Test
    void errorsFromFlagsNameTheFlag() throws Exception {
        Cli r = Cli.run("validate", "--name", "x", "--meta", "bad/key=1");
        assertEquals(ExitCode.INVALID_INSTANCE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("(from --meta bad/key=1)"), r.stderr());
    }

    @Test
    void anAdminPasswordOnTheCommandLineIsTakenWithAWarningAndFromAFileOrTheEnvironmentWithout() throws Exception {
        String warning = "guestdata: warning: --admin-pass puts the admin password on the command line, where every "
                + "user of this host can read it (ps, /proc): use --admin-pass-file FILE or GUESTDATA_ADMIN_PASS\n";
        Path file = Files.writeString(tmp.resolve("pass"), "s3cret\n");
        List<Cli> runs = List.of(
                Cli.run("configdrive", "--name", "vm1", "--admin-pass", "s3cret", "--format", "tree", "--output",
                        tmp.resolve("flag").toString()),
                Cli.run("configdrive", "--name", "vm1", "--admin-pass-file", file.toString(), "--format", "tree",
                        "--output", tmp.resolve("file").toString()),
                Cli.run(java.util.Map.of("GUESTDATA_ADMIN_PASS", "s3cret"), "configdrive", "--name", "vm1", "--format",
                        "tree", "--output", tmp.resolve("environment").toString()));
        for (int i = 0; i < runs.size(); i++) {
            Cli run = runs.get(i);
            assertEquals(ExitCode.OK, run.exitCode(), run.toString());
            assertEquals(i == 0 ? warning : "", run.stderr());
            String where = List.of("flag", "file", "environment").get(i);
            JsonNode metaData = new ObjectMapper().readTree(
                    tmp.resolve(where).resolve("openstack/latest/meta_data.json").toFile());
            assertEquals("s3cret", metaData.path("admin_pass").asText(), where);
        }
        String help = Cli.run("validate", "--help").out();
        assertTrue(help.contains("--admin-pass-file=FILE") && help.contains("GUESTDATA_ADMIN_PASS"), help);
    }

    @Test
    void oneMetadataItemPastNovasLimitIsRefusedFromFlags() {
        String[] args = new String[2 + 2 * 129];
        args[0] = "validate";
        args[1] = "--name=x";
        for (int i = 0; i < 129; i++) {
            args[2 + 2 * i] = "--meta";
            args[3 + 2 * i] = "k" + i + "=v";
        }
        Cli r = Cli.run(args);
        assertEquals(ExitCode.INVALID_INSTANCE, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("128"), r.stderr());
    }

    @Test
    void configDriveRefusesANonEmptyOutputAndLeavesItAlone() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("out"));
        Files.writeString(out.resolve("keep"), "mine");
        Cli r = Cli.run("configdrive", "--instance", full(), "--format", "tree", "--output", out.toString());
        assertEquals(ExitCode.OUTPUT, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("not empty"), r.stderr());
        assertEquals(List.of(out.resolve("keep")), list(out));
        assertEquals("mine", Files.readString(out.resolve("keep")));
        assertEquals(List.of(out), list(tmp), "no temporary directory may be left behind");
    }

    @Test
    void configDriveWritesIntoAnEmptyDirectory() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("empty"));
        Cli r = Cli.run("configdrive", "--instance", full(), "--format", "tree", "--output", out.toString());
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        assertTrue(Files.isRegularFile(out.resolve("openstack/latest/meta_data.json")));
        assertTrue(Files.isRegularFile(out.resolve("ec2/latest/meta-data.json")));
    }

    @Test
    void invalidDocumentWritesNothing() throws Exception {
        Path doc = Files.writeString(tmp.resolve("bad.json"), "{\"uuid\": \"x\"}");
        Path out = tmp.resolve("drive");
        Cli r = Cli.run("configdrive", "--instance", doc.toString(), "--format", "tree", "--output", out.toString());
        assertEquals(ExitCode.INVALID_INSTANCE, r.exitCode(), r.toString());
        assertFalse(Files.exists(out));
        assertEquals(List.of(doc), list(tmp));
    }

    @Test
    void metadataPrintsTheExactAnswerBytes() throws Exception {
        Cli r = Cli.run("metadata", "--instance", full(), "openstack/latest/user_data");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        JsonNode doc = new ObjectMapper().readTree(Path.of(full()).toFile());
        assertArrayEquals(java.util.Base64.getDecoder().decode(doc.get("user_data").asText()), r.stdout());

        Cli id = Cli.run("metadata", "--instance", full(), "latest/meta-data/local-hostname");
        assertEquals("web-server-01-example.novalocal", id.out());

        Cli root = Cli.run("metadata", "--instance", full());
        assertEquals(ExitCode.OK, root.exitCode(), root.toString());
        List<String> versions = root.out().lines().toList();
        assertEquals("1.0", versions.getFirst());
        assertEquals("latest", versions.getLast());
        assertFalse(root.out().endsWith("\n"), "listings have no trailing newline");
    }

    @Test
    void theNovaReleaseChoosesTheOpenStackVersions() throws Exception {
        Cli nova31 = Cli.run("metadata", "--instance", full(), "openstack");
        assertEquals(ExitCode.OK, nova31.exitCode(), nova31.toString());
        assertTrue(nova31.out().endsWith("2020-10-14\n2025-04-04\nlatest"), "31 is the default: " + nova31.out());
        assertEquals(nova31.out(), Cli.run("metadata", "--nova-release", "31", "--instance", full(), "openstack").out());
        Cli nova26 = Cli.run("metadata", "--nova-release", "26", "--instance", full(), "openstack");
        assertTrue(nova26.out().endsWith("2020-10-14\nlatest"), nova26.out());
        assertEquals(ExitCode.NOT_FOUND, Cli.run("metadata", "--nova-release", "26", "--instance", full(),
                "openstack/2025-04-04/meta_data.json").exitCode());
        Cli bad = Cli.run("metadata", "--nova-release", "2025.1", "--instance", full(), "openstack");
        assertEquals(ExitCode.USAGE, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("Invalid value for option '--nova-release': must be one of 26|31 (the Nova "
                + "release guests see), got '2025.1'"), bad.stderr());
    }

    @Test
    void metadataJsonIsNovaSerialised() throws Exception {
        Cli r = Cli.run("metadata", "--instance", full(), "--content-type", "openstack/2018-08-27/meta_data.json");
        assertEquals(ExitCode.OK, r.exitCode(), r.toString());
        String json = r.out();
        assertTrue(json.startsWith("{\"uuid\": \"83679162-1378-4288-a2d4-70e13ec132aa\", \"meta\": {"), json);
        assertTrue(json.contains("\\u00fcn\\u00efcode"), "non-ASCII must be escaped as json.dumps does: " + json);
        assertFalse(json.contains("admin_pass"), "the metadata service never shows admin_pass");
        assertTrue(json.contains("\"files\": [{\"path\": \"/etc/guestdata/hello.txt\""), "files are served: " + json);
        Cli nova = Cli.run("metadata", "--instance", full(), "--nova-exact-service", "openstack/2018-08-27/meta_data.json");
        assertFalse(nova.out().contains("\"files\""), "Nova's service never lists injected files");
        assertEquals("hello from guestdata\n",
                Cli.run("metadata", "--instance", full(), "openstack/content/0001").out());
        assertEquals(ExitCode.NOT_FOUND,
                Cli.run("metadata", "--instance", full(), "--nova-exact-service", "openstack/content/0001").exitCode());
        assertTrue(r.stderr().contains("Content-Type: application/json"), r.stderr());
    }

    @Test
    void unknownMetadataPathExits5() throws Exception {
        Cli r = Cli.run("metadata", "--instance", full(), "openstack/1999-01-01/meta_data.json");
        assertEquals(ExitCode.NOT_FOUND, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("404"), r.stderr());
    }

    @Test
    void unreadableInputFileExits6() {
        Cli r = Cli.run("validate", "--name", "x", "--user-data", tmp.resolve("missing").toString());
        assertEquals(ExitCode.INPUT, r.exitCode(), r.toString());
        assertTrue(r.stderr().contains("--user-data"), r.stderr());
    }

    @Test
    void usageErrorsExit2() throws Exception {
        assertEquals(ExitCode.USAGE, Cli.run("configdrive", "--format", "tree").exitCode());
        assertEquals(ExitCode.USAGE, Cli.run("validate", "--bogus").exitCode());
        Cli mixed = Cli.run("validate", "--instance", full(), "--name", "x");
        assertEquals(ExitCode.USAGE, mixed.exitCode(), mixed.toString());
        assertTrue(mixed.stderr().contains("--name"), mixed.stderr());
        assertEquals(ExitCode.USAGE, Cli.run("validate").exitCode());
    }

    @Test
    void everyCommandHasHelp() {
        for (String cmd : List.of("validate", "metadata", "configdrive")) {
            Cli r = Cli.run(cmd, "--help");
            assertEquals(ExitCode.OK, r.exitCode(), cmd);
            assertTrue(r.out().contains("Usage: guestdata " + cmd), r.out());
        }
        Cli top = Cli.run("--help");
        assertTrue(top.out().contains("Exit codes"), top.out());
        assertTrue(new String(Cli.run("--version").stdout(), StandardCharsets.UTF_8).startsWith("guestdata "));
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
