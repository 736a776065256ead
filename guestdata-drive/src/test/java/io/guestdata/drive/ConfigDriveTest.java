package io.guestdata.drive;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.core.metadata.NovaRelease;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@link ConfigDrive#files}: the tree's files, in its order, with its bytes (random_seed aside). */
class ConfigDriveTest {
    private static final Pattern SEED = Pattern.compile("\"random_seed\": \"[A-Za-z0-9+/=]{684}\"");

    @Test
    void theImageFilesAreTheTreesFiles() throws Exception {
        Instance instance = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()).parse(("""
                {"uuid": "b65cee2f-8c69-4aeb-be2f-f79742548fc2", "name": "x", "user_data": "aGVsbG8=",
                 "files": [{"path": "/etc/a", "contents": "aGVsbG8="}]}
                """).getBytes(StandardCharsets.UTF_8));
        MetadataTree tree = MetadataTree.build(instance,
                MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_31));
        List<MetadataFile> expected = tree.configDriveFiles();
        List<ImageFile> files = ConfigDrive.files(tree);
        assertEquals(expected.stream().map(MetadataFile::path).toList(), files.stream().map(ImageFile::path).toList());
        for (int i = 0; i < files.size(); i++) {
            byte[] bytes;
            try (InputStream in = files.get(i).open()) {
                bytes = in.readAllBytes();
            }
            assertEquals(files.get(i).size(), bytes.length);
            assertEquals(mask(expected.get(i).contents()), mask(bytes), files.get(i).path());
        }
        long userDataFiles = files.stream().filter(f -> f.path().endsWith("user_data") || f.path().endsWith("user-data"))
                .count();
        assertEquals(13, userDataFiles, "two EC2 and eleven OpenStack versions (Nova 31's, to 2025-04-04, and latest)");
        try (InputStream in = files.getLast().open()) {
            assertTrue(files.getLast().path().equals("openstack/content/0000"));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), in.readAllBytes());
        }
    }

    private static String mask(byte[] bytes) {
        return SEED.matcher(new String(bytes, StandardCharsets.UTF_8)).replaceAll("<seed>");
    }
}
