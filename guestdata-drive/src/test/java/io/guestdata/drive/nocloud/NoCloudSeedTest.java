package io.guestdata.drive.nocloud;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a {@link NoCloudSeed} holds for an instance; cloud-init's reading of it is tested in guestdata-cli. */
class NoCloudSeedTest {
    private static final String UUID = "b65cee2f-8c69-4aeb-be2f-f79742548fc2";

    private static MetadataTree tree(String json, MetadataOptions options) throws Exception {
        Instance instance = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none())
                .parse(json.getBytes(StandardCharsets.UTF_8));
        return MetadataTree.build(instance, options);
    }

    private static MetadataTree tree(String json) throws Exception {
        return tree(json, MetadataOptions.defaults());
    }

    @Test
    void aMinimalInstanceGetsMetaDataAndAnEmptyUserDataFileOnly() throws Exception {
        NoCloudSeed seed = NoCloudSeed.of(tree("{\"uuid\": \"" + UUID + "\", \"name\": \"mini\"}"),
                NoCloudSeed.InjectedFiles.REFUSE);
        assertEquals(List.of("meta-data", "user-data"), seed.files().stream().map(ImageFile::path).toList());
        assertEquals(0, seed.userData().length, "NoCloud requires user-data; empty means none");
        assertTrue(seed.networkConfig().isEmpty(), "no network_data: cloud-init's fallback, no file");
        assertTrue(seed.vendorData().isEmpty());
        assertEquals(List.of(), seed.omitted());
        String md = new String(seed.metaData(), StandardCharsets.UTF_8);
        assertTrue(md.startsWith("{\n  \"instance-id\": \"" + UUID + "\",\n  \"local-hostname\": \"mini.novalocal\",\n"), md);
        assertTrue(md.contains("\"public-keys\": [],") && md.contains("\"availability-zone\": \"nova\""), md);
        assertTrue(md.matches("(?s).*\"random_seed\": !!binary \"[A-Za-z0-9+/]{683}=\"\n}\n"), md);
        assertFalse(md.contains("dsmode"), md);
    }

    @Test
    void theHostNameCarriesTheDhcpDomainAsOnTheConfigDrive() throws Exception {
        String doc = "{\"uuid\": \"" + UUID + "\", \"name\": \"web\", \"metadata\": {\"dsmode\": \"local\"}}";
        String bare = new String(NoCloudSeed.of(tree(doc, MetadataOptions.defaults().withDhcpDomain("")),
                NoCloudSeed.InjectedFiles.REFUSE).metaData(), StandardCharsets.UTF_8);
        assertTrue(bare.contains("\"local-hostname\": \"web\","), bare);
        assertTrue(bare.contains("\"dsmode\": \"local\","), bare);
        String domain = new String(NoCloudSeed.of(tree(doc, MetadataOptions.defaults().withDhcpDomain("example.org")),
                NoCloudSeed.InjectedFiles.REFUSE).metaData(), StandardCharsets.UTF_8);
        assertTrue(domain.contains("\"local-hostname\": \"web.example.org\","), domain);
    }

    @Test
    void injectedFilesAreRefusedOrDroppedAndSaidSo() throws Exception {
        MetadataTree tree = tree("{\"uuid\": \"" + UUID + "\", \"name\": \"f\", \"admin_pass\": \"pw\","
                + " \"user_data\": \"aGk=\", \"files\": [{\"path\": \"/etc/x\", \"contents\": \"aGk=\"}]}");
        ImageException refused = assertThrows(ImageException.class,
                () -> NoCloudSeed.of(tree, NoCloudSeed.InjectedFiles.REFUSE));
        assertEquals("files", refused.subject());
        assertTrue(refused.getMessage().contains("/etc/x"), refused.getMessage());
        NoCloudSeed dropped = NoCloudSeed.of(tree, NoCloudSeed.InjectedFiles.DROP);
        assertEquals(2, dropped.omitted().size(), dropped.omitted().toString());
        assertTrue(dropped.omitted().get(0).contains("/etc/x") && dropped.omitted().get(1).startsWith("admin_pass"));
        assertArrayEquals("hi".getBytes(StandardCharsets.US_ASCII), dropped.userData());
    }

    @Test
    void emptyNetworkDataIsAnEmptyConfigurationAsOnTheConfigDrive() throws Exception {
        NoCloudSeed seed = NoCloudSeed.of(tree("{\"uuid\": \"" + UUID + "\", \"name\": \"n\", \"network_data\": {}}"),
                NoCloudSeed.InjectedFiles.REFUSE);
        assertEquals("{\n  \"version\": 1,\n  \"config\": []\n}\n",
                new String(seed.networkConfig().orElseThrow(), StandardCharsets.UTF_8));
        assertEquals(List.of("meta-data", "user-data", "network-config"),
                seed.files().stream().map(ImageFile::path).toList());
    }

    @Test
    void vendorDataIsTheCloudInitMemberOfTheMergedVendorData() throws Exception {
        NoCloudSeed seed = NoCloudSeed.of(tree("{\"uuid\": \"" + UUID + "\", \"name\": \"v\", \"vendor_data\":"
                + " {\"cloud-init\": \"#cloud-config\\n{}\\n\", \"other\": 1}}"), NoCloudSeed.InjectedFiles.REFUSE);
        assertEquals("#cloud-config\n{}\n", new String(seed.vendorData().orElseThrow(), StandardCharsets.UTF_8));
    }
}
