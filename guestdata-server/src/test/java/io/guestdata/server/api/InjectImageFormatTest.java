package io.guestdata.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.testkit.Command;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.Sha256;
import io.guestdata.testkit.ToolTest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/instances/{uuid}/inject} with images whose headers name other files: one tenant's overlay naming
 * another tenant's disk in the same allowed directory, or the service's own store, is refused (409
 * {@code image_format_refused}) and nothing of the other file reaches it; an overlay of an image below
 * {@code inject-base-image-dirs} is injected; base image directories are kept apart from the allowed ones.
 */
@ToolTest
class InjectImageFormatTest {
    static final String ALICE = ManagementApiTest.ALICE;

    @TempDir
    Path tmp;

    static void ok(String... argv) throws Exception {
        Command.Result t = ManagementApiTest.tool(argv);
        assertEquals(0, t.exit(), String.join(" ", argv) + ": " + t.stderr());
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return ApiClient.JSON.readTree(r.body());
    }

    static String instance(ApiClient api) {
        assertEquals(201, api.post("/v1/keypairs", "{\"name\": \"mykey\", \"public_key\": \"" + ALICE + "\"}").statusCode());
        UUID uuid = UUID.randomUUID();
        assertEquals(201, api.post("/v1/instances", "{\"uuid\": \"" + uuid + "\", \"name\": \"inj\", \"key_name\": "
                + "\"mykey\"}").statusCode());
        return "/v1/instances/" + uuid + "/inject";
    }

    @Test
    void anotherTenantsDiskOrTheStoreAsBackingFileIsRefused() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        Path base = Files.createDirectories(tmp.resolve("_base"));
        Path storeDir = Files.createDirectories(tmp.resolve("store"));
        // tenant A's disk, with a secret in it; tenant B's disk an overlay naming A's disk
        Path raw = ManagementApiTest.ext4Image(tmp, tmp.resolve("a.raw"));
        ok("debugfs", "-w", "-R", "write /etc/hostname /root/secret", raw.toString());
        Path tenantA = images.resolve("tenant-a.qcow2");
        ok("qemu-img", "convert", "-q", "-f", "raw", "-O", "qcow2", raw.toString(), tenantA.toString());
        Path tenantB = images.resolve("tenant-b.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", tenantA.toString(), "-F", "qcow2", tenantB.toString());
        Path relative = images.resolve("tenant-c.qcow2");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", "tenant-a.qcow2", "-F", "qcow2", relative.toString(),
                "32M");
        String aBefore = Sha256.hex(tenantA);
        String bBefore = Sha256.hex(tenantB);
        try (ApiClient api = new ApiClient(storeDir, b -> b.allowedInjectDirs(List.of(images))
                .injectBaseImageDirs(List.of(base)))) {
            String inject = instance(api);
            Path store = Files.list(storeDir).filter(Files::isRegularFile).findFirst().orElseThrow();
            Path tenantD = images.resolve("tenant-d.qcow2");
            ok("qemu-img", "create", "-q", "-f", "qcow2", "-u", "-b", store.toString(), "-F", "raw", tenantD.toString(),
                    "32M");
            for (Path hostile : List.of(tenantB, relative, tenantD)) {
                for (String extra : List.of("", ", \"dry_run\": true", ", \"partition\": 0")) {
                    HttpResponse<String> r = api.post(inject, "{\"image\": \"" + hostile + "\"" + extra + "}");
                    assertEquals(409, r.statusCode(), hostile + extra + ": " + r.body());
                    JsonNode error = json(r).get("error");
                    assertEquals("image_format_refused", error.get("code").asText());
                    assertTrue(error.get("message").asText().startsWith(hostile + ": names the backing file '"),
                            error.toString());
                    assertTrue(error.get("message").asText().contains("outside every base image directory"),
                            error.toString());
                }
            }
        }
        assertEquals(aBefore, Sha256.hex(tenantA));
        assertEquals(bBefore, Sha256.hex(tenantB));
        try (ApiClient noBase = new ApiClient(Files.createDirectories(tmp.resolve("store2")),
                b -> b.allowedInjectDirs(List.of(images)))) {
            HttpResponse<String> r = noBase.post(instance(noBase), "{\"image\": \"" + tenantB + "\"}");
            assertEquals(409, r.statusCode(), r.body());
            assertTrue(json(r).at("/error/message").asText().contains("inject-base-image-dirs"), r.body());
        }
    }

    @Test
    void anOverlayOfABaseImageIsInjectedAndTheBaseImageItselfIsNot() throws Exception {
        Path instances = Files.createDirectories(tmp.resolve("instances"));
        Path base = Files.createDirectories(instances.resolve("_base")); // Nova's layout: _base inside instances
        Path baseImage = ManagementApiTest.ext4Image(tmp, base.resolve("debian.raw"));
        String baseBefore = Sha256.hex(baseImage);
        Path disk = Files.createDirectories(instances.resolve("vm1")).resolve("disk");
        ok("qemu-img", "create", "-q", "-f", "qcow2", "-b", baseImage.toString(), "-F", "raw", disk.toString());
        try (ApiClient api = new ApiClient(Files.createDirectories(tmp.resolve("store")),
                b -> b.allowedInjectDirs(List.of(instances)).injectBaseImageDirs(List.of(base)))) {
            String inject = instance(api);
            HttpResponse<String> done = api.post(inject, "{\"image\": \"" + disk + "\", \"partition\": 0}");
            assertEquals(200, done.statusCode(), done.body());
            assertEquals("done", json(done).get("outcome").asText());
            assertEquals("qcow2", json(done).get("format").asText());

            HttpResponse<String> intoBase = api.post(inject, "{\"image\": \"" + baseImage + "\", \"partition\": 0}");
            assertEquals(403, intoBase.statusCode(), intoBase.body());
            assertTrue(json(intoBase).at("/error/message").asText().contains("lies below a base image directory"));
        }
        assertEquals(baseBefore, Sha256.hex(baseImage));
        Path flat = tmp.resolve("flat.raw");
        ok("qemu-img", "convert", "-q", "-O", "raw", disk.toString(), flat.toString());
        Command.Result cat = ManagementApiTest.tool("debugfs", "-R", "cat /root/.ssh/authorized_keys", flat.toString());
        assertTrue(cat.stdout().contains(ALICE), cat.stdout() + cat.stderr());
        Command.Result fsck = ManagementApiTest.tool("e2fsck", "-fn", flat.toString());
        assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
        Command.Result baseCat = ManagementApiTest.tool("debugfs", "-R", "cat /root/.ssh/authorized_keys", baseImage.toString());
        assertFalse(baseCat.stdout().contains(ALICE));
    }

    @Test
    void baseImageDirsAreKeptApartFromTheAllowedDirs() throws Exception {
        Path images = Files.createDirectories(tmp.resolve("images"));
        try (Store store = Stores.open("sqlite:" + Files.createDirectories(tmp.resolve("store")))) {
            for (Path bad : List.of(images, tmp)) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ManagementApi
                        .builder(store, ApiClient.TOKEN).allowedInjectDirs(List.of(images))
                        .injectBaseImageDirs(List.of(bad)).build());
                assertTrue(e.getMessage().contains("is or contains the inject-allowed-dirs directory"), e.getMessage());
            }
            assertThrows(IllegalArgumentException.class, () -> ManagementApi.builder(store, ApiClient.TOKEN)
                    .allowedInjectDirs(List.of(images)).injectBaseImageDirs(List.of(Path.of("relative"))).build());
        }
    }
}
