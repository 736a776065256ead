package io.guestdata.core.metadata;

import static io.guestdata.core.metadata.MetadataTreeLookupTest.text;
import static io.guestdata.core.metadata.MetadataTreeLookupTest.tree;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code meta_data.json}: keys, order, version gating and the per-render random_seed (nova-compat.md §1.4). */
class MetaDataJsonTest {
    private static final Pattern SEED = Pattern.compile("\"random_seed\": \"([^\"]*)\"");

    private static final String SPEC_EXAMPLE = "{\"uuid\": \"b65cee2f-8c69-4aeb-be2f-f79742548fc2\", \"meta\": {\"role\": \"web\"}, "
            + "\"files\": [{\"path\": \"/etc/foo.conf\", \"content_path\": \"/content/0001\"}], \"admin_pass\": \"secret\", "
            + "\"network_config\": {\"name\": \"network_config\", \"content_path\": \"/content/0000\"}, "
            + "\"public_keys\": {\"mykey\": \"ssh-rsa AAAAB3Nza user@host\"}, "
            + "\"keys\": [{\"name\": \"mykey\", \"type\": \"ssh\", \"data\": \"ssh-rsa AAAAB3Nza user@host\"}], "
            + "\"hostname\": \"test-host.novalocal\", \"name\": \"Test Host\", \"launch_index\": 0, \"availability_zone\": \"nova\", "
            + "\"random_seed\": \"<684 base64 chars>\", \"project_id\": \"proj\", \"devices\": [], \"dedicated_cpus\": []}";

    private final MetadataTree withFile = tree(TestInstances.example().file("/etc/foo.conf", "foo\n").adminPass("secret").build());

    private static String drive(MetadataTree tree, String path) {
        return tree.configDriveFiles().stream().filter(f -> f.path().equals(path)).findFirst()
                .map(f -> new String(f.contents(), StandardCharsets.UTF_8)).orElseThrow(() -> new AssertionError(path));
    }

    @Test
    void specExampleKeyOrderOnTheConfigDrive() {
        assertEquals(SPEC_EXAMPLE, MetadataTreeNovaOracleTest.maskSeed(drive(withFile, "openstack/latest/meta_data.json")));
    }

    @Test
    void novasServiceLeavesOutFilesAndAdminPass() {
        Instance instance = TestInstances.example().file("/etc/foo.conf", "foo\n").adminPass("secret").build();
        MetadataTree novaExact = MetadataTree.build(instance, MetadataOptions.defaults().novaExact(),
                Ec2Ids.derive(instance), new SplittableRandom(3));
        String expected = SPEC_EXAMPLE
                .replace("\"files\": [{\"path\": \"/etc/foo.conf\", \"content_path\": \"/content/0001\"}], \"admin_pass\": \"secret\", ", "");
        assertEquals(expected, MetadataTreeNovaOracleTest.maskSeed(text(novaExact, "/openstack/latest/meta_data.json")));
        assertEquals(404, novaExact.lookup("/openstack/content/0001", null) instanceof LookupResult.NotFound ? 404 : 200);
    }

    @Test
    void byDefaultTheServiceListsAndServesInjectedFilesButNeverAdminPass() {
        String expected = SPEC_EXAMPLE.replace("\"admin_pass\": \"secret\", ", "");
        assertEquals(expected, MetadataTreeNovaOracleTest.maskSeed(text(withFile, "/openstack/latest/meta_data.json")));
        assertEquals("foo\n", text(withFile, "/openstack/content/0001"));
        assertEquals("foo\n", text(withFile, "/openstack/2012-08-10/../content/0001"));
    }

    @Test
    void keysAreGatedByVersion() throws Exception {
        List<List<String>> expected = List.of(
                List.of("2012-08-10"),
                List.of("2013-04-04", "random_seed"),
                List.of("2013-10-17", "random_seed"),
                List.of("2015-10-15", "random_seed", "project_id"),
                List.of("2016-06-30", "random_seed", "project_id", "devices"),
                List.of("2016-10-06", "random_seed", "project_id", "devices"),
                List.of("2017-02-22", "random_seed", "project_id", "devices"),
                List.of("2018-08-27", "random_seed", "project_id", "devices"),
                List.of("2020-10-14", "random_seed", "project_id", "devices", "dedicated_cpus"),
                List.of("latest", "random_seed", "project_id", "devices", "dedicated_cpus"));
        // files: served by the service too (MetadataOptions.serviceServesFiles, on by default)
        List<String> always = List.of("uuid", "meta", "files", "network_config", "public_keys", "keys", "hostname",
                "name", "launch_index", "availability_zone");
        for (List<String> e : expected) {
            JsonNode md = TestInstances.MAPPER.readTree(text(withFile, "/openstack/" + e.getFirst() + "/meta_data.json"));
            List<String> keys = new ArrayList<>();
            md.fieldNames().forEachRemaining(keys::add);
            List<String> want = new ArrayList<>(always);
            want.addAll(e.subList(1, e.size()));
            assertEquals(want, keys, e.getFirst());
        }
    }

    @Test
    void optionalKeys() {
        Instance bare = TestInstances.builder().projectId(null).build();
        String md = text(tree(bare), "/openstack/latest/meta_data.json");
        assertEquals("{\"uuid\": \"b65cee2f-8c69-4aeb-be2f-f79742548fc2\", \"hostname\": \"test-host.novalocal\", "
                + "\"name\": \"Test Host\", \"launch_index\": 0, \"availability_zone\": \"nova\", \"random_seed\": \"<684 base64 chars>\", "
                + "\"project_id\": null, \"devices\": [], \"dedicated_cpus\": []}", MetadataTreeNovaOracleTest.maskSeed(md));
        String old = text(tree(bare), "/openstack/2012-08-10/meta_data.json");
        assertEquals("{\"uuid\": \"b65cee2f-8c69-4aeb-be2f-f79742548fc2\", \"hostname\": \"test-host.novalocal\", "
                + "\"name\": \"Test Host\", \"launch_index\": 0, \"availability_zone\": \"nova\"}", old);
    }

    @Test
    void everyKeyIsDelivered() {
        MetadataTree keys = tree(TestInstances.example().key("second", "ssh-ed25519 AAAAC3 b@h").build());
        String md = text(keys, "/openstack/latest/meta_data.json");
        assertTrue(md.contains("\"public_keys\": {\"mykey\": \"ssh-rsa AAAAB3Nza user@host\", \"second\": \"ssh-ed25519 AAAAC3 b@h\"}, "
                + "\"keys\": [{\"name\": \"mykey\", \"type\": \"ssh\", \"data\": \"ssh-rsa AAAAB3Nza user@host\"}, "
                + "{\"name\": \"second\", \"type\": \"ssh\", \"data\": \"ssh-ed25519 AAAAC3 b@h\"}]"), md);
    }

    @Test
    void nonAsciiIsEscapedAsPythonDoes() {
        String md = text(tree(TestInstances.builder().name("Café \uD83D\uDE00").metadata("k\u00fc", "v\"\n").build()),
                "/openstack/latest/meta_data.json");
        assertTrue(md.contains("\"meta\": {\"k\\u00fc\": \"v\\\"\\n\"}"), md);
        assertTrue(md.contains("\"name\": \"Caf\\u00e9 \\ud83d\\ude00\""), md);
    }

    @Test
    void randomSeedIs684Base64CharsOf512FreshBytesOnEveryRender() {
        Set<String> seeds = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            String seed = seed(text(withFile, "/openstack/latest/meta_data.json"));
            assertEquals(684, seed.length());
            assertEquals(512, Base64.getDecoder().decode(seed).length);
            seeds.add(seed);
        }
        assertEquals(20, seeds.size(), "fresh on every lookup");
        for (MetadataFile f : withFile.configDriveFiles()) {
            if (f.path().endsWith("meta_data.json") && !f.path().contains("2012-08-10")) {
                assertTrue(seeds.add(seed(new String(f.contents(), StandardCharsets.US_ASCII))), f.path());
            }
        }
        assertNotEquals(seed(drive(withFile, "openstack/latest/meta_data.json")), seed(drive(withFile, "openstack/latest/meta_data.json")));
    }

    @Test
    void theSeedComesFromTheGivenGenerator() {
        Instance instance = TestInstances.example().build();
        String a = text(MetadataTree.build(instance, MetadataOptions.defaults(), Ec2Ids.derive(instance), new SplittableRandom(7)),
                "/openstack/latest/meta_data.json");
        String b = text(MetadataTree.build(instance, MetadataOptions.defaults(), Ec2Ids.derive(instance), new SplittableRandom(7)),
                "/openstack/latest/meta_data.json");
        assertEquals(a, b);
        byte[] expected = new byte[512];
        new SplittableRandom(7).nextBytes(expected);
        assertEquals(Base64.getEncoder().encodeToString(expected), seed(a));
    }

    @Test
    void splicedDocumentIsValidJsonEqualToAWholeRender() throws Exception {
        String md = text(withFile, "/openstack/2016-06-30/meta_data.json");
        JsonNode parsed = TestInstances.MAPPER.readTree(md);
        assertEquals(md, PythonJson.dumps(parsed));
    }

    private static String seed(String document) {
        Matcher m = SEED.matcher(document);
        assertTrue(m.find(), document);
        return m.group(1);
    }
}
