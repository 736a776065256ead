package io.guestdata.server.api;

import static io.guestdata.server.api.ApiClient.json;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.store.StoreException;
import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** Every route's success and error paths against a real SQLite store, over HTTP. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ToolTest
class ManagementApiTest {
    static final String ALICE = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOnuR4nSOJFZFDVMYPyJ+kj5/IxnsnmF2TnlRP9UFvnb alice@example";
    static final String BOB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAII/AZ2zERk0JSvdd/E+7NPW8bTkeEx82DMT5APbSRDcx bob@example";

    Path dir;
    ApiClient api;

    @BeforeAll
    void start(@TempDir Path temp) throws IOException {
        dir = temp;
        api = new ApiClient(Files.createDirectories(dir.resolve("store")));
    }

    @AfterAll
    void stop() {
        api.close();
    }

    static String doc(UUID uuid) {
        return "{\"uuid\": \"" + uuid + "\", \"name\": \"vm-" + uuid.toString().substring(0, 8) + "\"}";
    }

    UUID created() {
        UUID uuid = UUID.randomUUID();
        assertEquals(201, api.post("/v1/instances", doc(uuid)).statusCode());
        return uuid;
    }

    // ---- authentication ----

    @Test
    void everyRouteNeedsTheToken() {
        UUID uuid = created();
        for (String path : List.of("/v1/instances", "/v1/instances/" + uuid, "/v1/keypairs", "/v1/openapi.yaml",
                "/v1/instances/" + uuid + "/config-drive", "/v1/no-such-route")) {
            HttpResponse<String> none = api.send(HttpRequest.newBuilder(api.uri(path)).GET().build());
            assertEquals(401, none.statusCode(), path);
            assertEquals("Bearer realm=\"guestdata\"", none.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertEquals("unauthorized", json(none).at("/error/code").asText());
            for (String header : List.of("Bearer wrong-token", "Bearer " + ApiClient.TOKEN + "x",
                    "Basic " + ApiClient.TOKEN, "Bearer", ApiClient.TOKEN)) {
                HttpResponse<String> wrong = api.send(HttpRequest.newBuilder(api.uri(path))
                        .header("Authorization", header).GET().build());
                assertEquals(401, wrong.statusCode(), path + " with " + header);
                assertTrue(wrong.headers().firstValue("WWW-Authenticate").orElseThrow().startsWith("Bearer"));
            }
        }
        HttpResponse<String> post = api.send(HttpRequest.newBuilder(api.uri("/v1/instances"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(doc(UUID.randomUUID()))).build());
        assertEquals(401, post.statusCode());
        assertEquals(200, api.send(api.request("/v1/instances").header("Authorization", "bearer " + ApiClient.TOKEN)
                .GET().build()).statusCode(), "the scheme is case-insensitive");
    }

    @Test
    void unknownRoutesAndMethods() {
        HttpResponse<String> missing = api.get("/v1/nothing/here");
        assertEquals(404, missing.statusCode());
        assertEquals("no_route", json(missing).at("/error/code").asText());
        HttpResponse<String> patch = api.send(api.request("/v1/instances").method("PATCH",
                HttpRequest.BodyPublishers.noBody()).build());
        assertEquals(405, patch.statusCode());
        assertEquals("POST, GET", patch.headers().firstValue("Allow").orElseThrow());
    }

    // ---- instances ----

    @Test
    void instanceLifecycle() {
        UUID uuid = UUID.randomUUID();
        HttpResponse<String> created = api.post("/v1/instances", doc(uuid));
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/v1/instances/" + uuid, created.headers().firstValue("Location").orElseThrow());
        assertEquals("\"1\"", created.headers().firstValue("ETag").orElseThrow());
        JsonNode view = json(created);
        assertEquals(uuid.toString(), view.get("uuid").asText());
        assertEquals(1, view.get("version").asLong());
        assertEquals("vm-" + uuid.toString().substring(0, 8), view.at("/document/name").asText());
        assertTrue(view.get("created_at").asText().endsWith("Z"));

        HttpResponse<String> got = api.get("/v1/instances/" + uuid);
        assertEquals(200, got.statusCode());
        assertEquals(view, json(got));
        assertEquals(200, api.get("/v1/instances/" + uuid.toString().toUpperCase()).statusCode());

        String v2 = "{\"uuid\": \"" + uuid + "\", \"name\": \"renamed\"}";
        HttpResponse<String> noIfMatch = api.put("/v1/instances/" + uuid, v2, null);
        assertEquals(428, noIfMatch.statusCode());
        assertEquals("If-Match", json(noIfMatch).at("/error/field").asText());
        HttpResponse<String> stale = api.put("/v1/instances/" + uuid, v2, "\"7\"");
        assertEquals(412, stale.statusCode());
        assertEquals("version_mismatch", json(stale).at("/error/code").asText());
        assertEquals(1, json(stale).at("/error/current_version").asLong());
        assertEquals(400, api.put("/v1/instances/" + uuid, v2, "seven").statusCode());
        HttpResponse<String> updated = api.put("/v1/instances/" + uuid, v2, "\"1\"");
        assertEquals(200, updated.statusCode(), updated.body());
        assertEquals(2, json(updated).get("version").asLong());
        assertEquals("\"2\"", updated.headers().firstValue("ETag").orElseThrow());
        HttpResponse<String> again = api.put("/v1/instances/" + uuid, v2, "1");
        assertEquals(412, again.statusCode());
        assertEquals(2, json(again).at("/error/current_version").asLong());

        assertEquals("renamed", json(api.get("/v1/instances/" + uuid)).at("/document/name").asText());
        JsonNode first = json(api.get("/v1/instances/" + uuid + "?version=1"));
        assertEquals(1, first.get("version").asLong());
        assertEquals("vm-" + uuid.toString().substring(0, 8), first.at("/document/name").asText());
        assertEquals(404, api.get("/v1/instances/" + uuid + "?version=3").statusCode());
        HttpResponse<String> badVersion = api.get("/v1/instances/" + uuid + "?version=zero");
        assertEquals(400, badVersion.statusCode());
        assertEquals("version", json(badVersion).at("/error/field").asText());

        HttpResponse<String> otherUuid = api.put("/v1/instances/" + uuid, doc(UUID.randomUUID()), "2");
        assertEquals(400, otherUuid.statusCode());
        assertEquals("/uuid", json(otherUuid).at("/error/field").asText());

        assertEquals(412, api.send(api.request("/v1/instances/" + uuid).header("If-Match", "1").DELETE().build())
                .statusCode());
        assertEquals(204, api.delete("/v1/instances/" + uuid).statusCode());
        assertEquals(404, api.get("/v1/instances/" + uuid).statusCode());
        assertEquals(404, api.delete("/v1/instances/" + uuid).statusCode());
        HttpResponse<String> reuse = api.post("/v1/instances", doc(uuid));
        assertEquals(409, reuse.statusCode());
        assertEquals("instance_deleted", json(reuse).at("/error/code").asText());
    }

    @Test
    void duplicateAndMissing() {
        UUID uuid = created();
        HttpResponse<String> dup = api.post("/v1/instances", doc(uuid));
        assertEquals(409, dup.statusCode());
        assertEquals("instance_exists", json(dup).at("/error/code").asText());
        HttpResponse<String> missing = api.get("/v1/instances/" + UUID.randomUUID());
        assertEquals(404, missing.statusCode());
        assertEquals("not_found", json(missing).at("/error/code").asText());
        assertEquals(404, api.get("/v1/instances/not-a-uuid").statusCode());
        assertEquals(404, api.put("/v1/instances/" + UUID.randomUUID(), doc(UUID.randomUUID()), "1").statusCode());
    }

    @Test
    void documentErrorsAreListedWithPointers() {
        String bad = "{\"uuid\": \"" + UUID.randomUUID() + "\", \"name\": 5, \"hostname\": \"-bad-\", "
                + "\"metadata\": {\"k\": 1}, \"surprise\": true}";
        HttpResponse<String> r = api.post("/v1/instances", bad);
        assertEquals(400, r.statusCode(), r.body());
        JsonNode error = json(r).get("error");
        assertEquals("invalid_document", error.get("code").asText());
        List<String> fields = new ArrayList<>();
        error.get("errors").forEach(e -> {
            fields.add(e.get("field").asText());
            assertFalse(e.get("rule").asText().isEmpty());
            assertFalse(e.get("message").asText().isEmpty());
        });
        assertTrue(fields.size() >= 3, fields.toString());
        assertTrue(fields.contains("/name"), fields.toString());
        assertTrue(fields.contains("/surprise"), fields.toString());
        assertEquals(fields.getFirst(), error.get("field").asText());

        HttpResponse<String> notJson = api.post("/v1/instances", "{\"uuid\": ");
        assertEquals(400, notJson.statusCode());
    }

    @Test
    void limitsOnBodies() {
        String huge = "{\"uuid\": \"" + UUID.randomUUID() + "\", \"name\": \"" + "x".repeat(300_000) + "\"}";
        HttpResponse<String> tooLarge = api.post("/v1/instances", huge);
        assertEquals(413, tooLarge.statusCode());
        assertEquals("payload_too_large", json(tooLarge).at("/error/code").asText());
        assertEquals("262144 bytes", json(tooLarge).at("/error/limit").asText());
        HttpResponse<String> chunked = api.send(api.request("/v1/instances").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(
                        () -> new ByteArrayInputStream(huge.getBytes(StandardCharsets.UTF_8)))).build());
        assertEquals(413, chunked.statusCode(), "a chunked body is limited as well");

        HttpResponse<String> text = api.send(api.request("/v1/instances").header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString(doc(UUID.randomUUID()))).build());
        assertEquals(415, text.statusCode());
        assertEquals("unsupported_media_type", json(text).at("/error/code").asText());
        HttpResponse<String> none = api.send(api.request("/v1/keypairs")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
        assertEquals(415, none.statusCode());
        HttpResponse<String> latin1 = api.send(api.request("/v1/instances")
                .header("Content-Type", "application/json; charset=ISO-8859-1")
                .POST(HttpRequest.BodyPublishers.ofString(doc(UUID.randomUUID()))).build());
        assertEquals(415, latin1.statusCode());
        assertEquals(201, api.send(api.request("/v1/instances").header("Content-Type", "application/json; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(doc(UUID.randomUUID()))).build()).statusCode());
    }

    @Test
    void pagingThroughTwentyFiveInstances(@TempDir Path other) {
        try (ApiClient fresh = new ApiClient(other)) {
            List<String> uuids = new ArrayList<>();
            for (int i = 0; i < 25; i++) {
                UUID uuid = UUID.randomUUID();
                assertEquals(201, fresh.post("/v1/instances", doc(uuid)).statusCode());
                uuids.add(uuid.toString());
            }
            List<String> seen = new ArrayList<>();
            List<Integer> sizes = new ArrayList<>();
            String cursor = null;
            do {
                HttpResponse<String> page = fresh.get("/v1/instances?limit=10"
                        + (cursor == null ? "" : "&cursor=" + java.net.URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
                assertEquals(200, page.statusCode(), page.body());
                JsonNode body = json(page);
                sizes.add(body.get("instances").size());
                body.get("instances").forEach(i -> seen.add(i.get("uuid").asText()));
                cursor = body.get("next_cursor").isNull() ? null : body.get("next_cursor").asText();
            } while (cursor != null);
            assertEquals(List.of(10, 10, 5), sizes);
            assertEquals(uuids, seen);
            assertEquals(25, json(fresh.get("/v1/instances")).get("instances").size());
            for (String bad : List.of("limit=0", "limit=1001", "limit=ten", "cursor=bogus")) {
                HttpResponse<String> r = fresh.get("/v1/instances?" + bad);
                assertEquals(400, r.statusCode(), bad);
                assertEquals(bad.substring(0, bad.indexOf('=')), json(r).at("/error/field").asText(), bad);
            }
        }
    }

    // ---- key pairs ----

    @Test
    void keyPairs() {
        String name = "key-" + UUID.randomUUID().toString().substring(0, 8);
        HttpResponse<String> created = api.post("/v1/keypairs", "{\"name\": \"" + name + "\", \"public_key\": \""
                + ALICE + "\"}");
        assertEquals(201, created.statusCode(), created.body());
        assertEquals("/v1/keypairs/" + name, created.headers().firstValue("Location").orElseThrow());
        JsonNode kp = json(created);
        assertEquals("ssh", kp.get("type").asText());
        assertEquals("51:c5:33:89:d4:d9:7b:52:82:96:7b:88:c4:bb:78:58", kp.get("fingerprint").asText());
        assertEquals(kp, json(api.get("/v1/keypairs/" + name)));

        HttpResponse<String> dup = api.post("/v1/keypairs", "{\"name\": \"" + name + "\", \"public_key\": \"" + BOB
                + "\", \"type\": \"ssh\"}");
        assertEquals(409, dup.statusCode());
        assertEquals("Key pair '" + name + "' already exists.", json(dup).at("/error/message").asText());
        HttpResponse<String> badName = api.post("/v1/keypairs", "{\"name\": \"bad/name\", \"public_key\": \"" + BOB + "\"}");
        assertEquals(400, badName.statusCode());
        assertEquals("name", json(badName).at("/error/field").asText());
        HttpResponse<String> badKey = api.post("/v1/keypairs", "{\"name\": \"k2\", \"public_key\": \"ssh-rsa nonsense\"}");
        assertEquals(400, badKey.statusCode());
        assertEquals("public_key", json(badKey).at("/error/field").asText());
        HttpResponse<String> unknown = api.post("/v1/keypairs", "{\"name\": \"k3\", \"public_key\": \"" + BOB
                + "\", \"user_id\": \"x\"}");
        assertEquals(400, unknown.statusCode());
        assertEquals("unknown_field", json(unknown).at("/error/code").asText());
        assertEquals("/user_id", json(unknown).at("/error/field").asText());
        HttpResponse<String> missing = api.post("/v1/keypairs", "{\"name\": \"k4\"}");
        assertEquals(400, missing.statusCode());
        assertEquals("/public_key", json(missing).at("/error/field").asText());
        assertEquals(400, api.post("/v1/keypairs", "{\"name\": \"k5\", \"name\": \"k6\", \"public_key\": \"" + BOB
                + "\"}").statusCode(), "duplicate members");
        assertEquals(400, api.post("/v1/keypairs", "[]").statusCode());

        List<String> names = new ArrayList<>();
        json(api.get("/v1/keypairs")).get("keypairs").forEach(k -> names.add(k.get("name").asText()));
        assertTrue(names.contains(name), names.toString());

        UUID uuid = UUID.randomUUID();
        HttpResponse<String> withKey = api.post("/v1/instances", "{\"uuid\": \"" + uuid + "\", \"name\": \"k\", "
                + "\"key_name\": \"" + name + "\"}");
        assertEquals(201, withKey.statusCode(), withKey.body());
        HttpResponse<String> unknownKey = api.post("/v1/instances", "{\"uuid\": \"" + UUID.randomUUID()
                + "\", \"name\": \"k\", \"key_name\": \"no-such-key\"}");
        assertEquals(400, unknownKey.statusCode());
        assertEquals("/key_name", json(unknownKey).at("/error/field").asText());

        assertEquals(204, api.delete("/v1/keypairs/" + name).statusCode());
        assertEquals(404, api.get("/v1/keypairs/" + name).statusCode());
        assertEquals(404, api.delete("/v1/keypairs/" + name).statusCode());
        assertEquals(200, api.get("/v1/instances/" + uuid).statusCode(), "the instance keeps its key");
    }

    @Test
    void keyPairQuotaIs403(@TempDir Path other) {
        try (ApiClient fresh = new ApiClient(other)) {
            for (int i = 0; i < 100; i++) {
                assertEquals(201, fresh.post("/v1/keypairs", "{\"name\": \"k" + i + "\", \"public_key\": \"" + ALICE
                        + "\"}").statusCode());
            }
            HttpResponse<String> over = fresh.post("/v1/keypairs", "{\"name\": \"k100\", \"public_key\": \"" + ALICE + "\"}");
            assertEquals(403, over.statusCode());
            assertEquals("quota_exceeded", json(over).at("/error/code").asText());
            assertEquals("100 key pairs", json(over).at("/error/limit").asText());
        }
    }

    // ---- passwords ----

    @Test
    void passwords() {
        UUID uuid = created();
        HttpResponse<String> none = api.get("/v1/instances/" + uuid + "/password");
        assertEquals(200, none.statusCode());
        assertEquals("", json(none).get("password").asText());
        api.store.passwords().set(uuid, "encrypted-by-guest");
        assertEquals("encrypted-by-guest", json(api.get("/v1/instances/" + uuid + "/password")).get("password").asText());
        StoreException.Conflict twice = assertThrows(StoreException.Conflict.class,
                () -> api.store.passwords().set(uuid, "again"));
        assertEquals(StoreException.Conflict.Reason.PASSWORD_ALREADY_SET, twice.reason());
        assertEquals(409, ApiErrorHandlers.storeError(twice).status());
        assertEquals("password_already_set", ApiErrorHandlers.storeError(twice).code());
        assertEquals(204, api.delete("/v1/instances/" + uuid + "/password").statusCode());
        assertEquals("", json(api.get("/v1/instances/" + uuid + "/password")).get("password").asText());
        api.store.passwords().set(uuid, "again");
        assertEquals(204, api.delete("/v1/instances/" + uuid + "/password").statusCode());
        assertEquals(204, api.delete("/v1/instances/" + uuid + "/password").statusCode(), "clearing twice is fine");
        assertEquals(404, api.get("/v1/instances/" + UUID.randomUUID() + "/password").statusCode());
        assertEquals(404, api.delete("/v1/instances/" + UUID.randomUUID() + "/password").statusCode());
    }

    // ---- config drives ----

    private HttpResponse<byte[]> download(String path) {
        return api.sendBytes(api.request(path).GET().build());
    }

    @Test
    void isoConfigDrive() throws Exception {
        UUID uuid = UUID.randomUUID();
        assertEquals(201, api.post("/v1/instances", "{\"uuid\": \"" + uuid + "\", \"name\": \"iso\", "
                + "\"metadata\": {\"role\": \"web\"}, \"files\": [{\"path\": \"/etc/motd\", "
                + "\"contents\": \"aGVsbG8K\"}]}").statusCode());
        String path = "/v1/instances/" + uuid + "/config-drive?format=iso9660&timestamp=1700000000";
        HttpResponse<byte[]> r = download(path);
        assertEquals(200, r.statusCode());
        assertEquals("application/octet-stream", r.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("attachment; filename=disk.config", r.headers().firstValue("Content-Disposition").orElseThrow());
        assertEquals(r.body().length, Long.parseLong(r.headers().firstValue("Content-Length").orElseThrow()));
        assertEquals(0, r.body().length % 2048);
        Path iso = dir.resolve("disk-" + uuid + ".iso");
        Files.write(iso, r.body());
        Command.Result info = tool("isoinfo", "-d", "-i", iso.toString());
        assertEquals(0, info.exit(), info.stderr());
        assertTrue(info.stdout().contains("Volume id: config-2"), info.stdout());
        assertTrue(info.stdout().contains("Rock Ridge"), info.stdout());
        assertTrue(info.stdout().contains("Joliet"), info.stdout());
        Path tree = dir.resolve("tree-" + uuid);
        Command.Result x = tool("xorriso", "-osirrox", "on", "-indev", iso.toString(), "-extract", "/", tree.toString());
        assertEquals(0, x.exit(), x.stderr());
        JsonNode meta = ApiClient.JSON.readTree(tree.resolve("openstack/latest/meta_data.json").toFile());
        assertEquals(uuid.toString(), meta.get("uuid").asText());
        assertEquals("web", meta.at("/meta/role").asText());
        assertEquals("hello\n", Files.readString(tree.resolve("openstack/content/0000")));

        HttpResponse<byte[]> head = api.sendBytes(api.request(path).HEAD().build());
        assertEquals(200, head.statusCode());
        assertEquals(0, head.body().length);
        assertEquals(Long.toString(r.body().length), head.headers().firstValue("Content-Length").orElseThrow());

        byte[] again = download(path).body();
        assertEquals(r.body().length, again.length);
        assertNotEquals(new String(r.body(), StandardCharsets.ISO_8859_1), new String(again, StandardCharsets.ISO_8859_1),
                "a fresh random_seed each time");
        assertArrayEquals(maskRandomSeed(r.body()), maskRandomSeed(again), "the same image but for random_seed");

        HttpResponse<byte[]> version1 = download("/v1/instances/" + uuid + "/config-drive?version=1");
        assertEquals(200, version1.statusCode());
        assertEquals(404, download("/v1/instances/" + uuid + "/config-drive?version=2").statusCode());
        assertEquals(404, api.sendBytes(api.request("/v1/instances/" + UUID.randomUUID() + "/config-drive").HEAD()
                .build()).statusCode());
    }

    /** The image with every {@code "random_seed": "…"} value blanked (same length: base64 of 512 bytes). */
    static byte[] maskRandomSeed(byte[] image) {
        String s = new String(image, StandardCharsets.ISO_8859_1);
        return s.replaceAll("\"random_seed\": \"[A-Za-z0-9+/=]+\"", "\"random_seed\": \"MASKED\"")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    @Test
    void vfatAndNoCloud() throws Exception {
        UUID uuid = created();
        HttpResponse<byte[]> vfat = download("/v1/instances/" + uuid + "/config-drive?format=vfat&timestamp=1700000000");
        assertEquals(200, vfat.statusCode());
        assertEquals(64L << 20, vfat.body().length);
        assertEquals(Long.toString(64L << 20), vfat.headers().firstValue("Content-Length").orElseThrow());
        Path img = dir.resolve("vfat-" + uuid + ".img");
        Files.write(img, vfat.body());
        Command.Result fsck = tool("fsck.fat", "-n", img.toString());
        assertEquals(0, fsck.exit(), fsck.stdout() + fsck.stderr());
        Command.Result label = tool("fatlabel", img.toString());
        assertEquals("config-2", label.stdout().strip().toLowerCase());

        HttpResponse<byte[]> seed = download("/v1/instances/" + uuid + "/config-drive?format=nocloud");
        assertEquals(200, seed.statusCode());
        assertEquals("attachment; filename=seed.iso", seed.headers().firstValue("Content-Disposition").orElseThrow());
        Path iso = dir.resolve("seed-" + uuid + ".iso");
        Files.write(iso, seed.body());
        Command.Result info = tool("isoinfo", "-d", "-i", iso.toString());
        assertTrue(info.stdout().contains("Volume id: cidata"), info.stdout());
        HttpResponse<byte[]> seedVfat = download("/v1/instances/" + uuid
                + "/config-drive?format=nocloud&nocloud_filesystem=vfat");
        assertEquals(200, seedVfat.statusCode());
        assertTrue(seedVfat.body().length < 64L << 20);

        UUID withFiles = UUID.randomUUID();
        api.post("/v1/instances", "{\"uuid\": \"" + withFiles + "\", \"name\": \"f\", \"files\": [{\"path\": "
                + "\"/etc/motd\", \"contents\": \"aGVsbG8K\"}]}");
        HttpResponse<String> refused = api.get("/v1/instances/" + withFiles + "/config-drive?format=nocloud");
        assertEquals(409, refused.statusCode());
        assertEquals("format_limit", json(refused).at("/error/code").asText());
        assertEquals(200, download("/v1/instances/" + withFiles + "/config-drive?format=nocloud&drop_files=true")
                .statusCode());

        for (String bad : List.of("format=udf", "timestamp=5", "timestamp=now", "volume_size=1",
                "format=iso9660&volume_size=1048576", "nocloud_filesystem=vfat", "drop_files=yes")) {
            HttpResponse<String> r = api.get("/v1/instances/" + uuid + "/config-drive?" + bad);
            assertEquals(400, r.statusCode(), bad + ": " + r.body());
        }
    }

    @Test
    void libvirtXml() {
        UUID uuid = created();
        HttpResponse<String> cdrom = api.get("/v1/instances/" + uuid
                + "/libvirt-xml?format=iso9660&machine_type=q35&disk_path=/var/lib/vms/" + uuid + "/disk.config");
        assertEquals(200, cdrom.statusCode(), cdrom.body());
        assertTrue(cdrom.headers().firstValue("Content-Type").orElseThrow().startsWith("application/xml"));
        String xml = cdrom.body();
        assertTrue(xml.contains("<disk type=\"file\" device=\"cdrom\">"), xml);
        assertTrue(xml.contains("<target dev=\"sda\" bus=\"sata\"/>"), xml);
        assertTrue(xml.contains("<source file=\"/var/lib/vms/" + uuid + "/disk.config\"/>"), xml);
        assertTrue(xml.contains("<entry name=\"uuid\">" + uuid + "</entry>"), xml);
        assertTrue(xml.contains("cache=\"none\""), xml);

        String disk = api.get("/v1/instances/" + uuid + "/libvirt-xml?format=vfat&disk_path=/x/disk.config"
                + "&disk_cache=writeback").body();
        assertTrue(disk.contains("<target dev=\"vdb\" bus=\"virtio\"/>"), disk);
        assertTrue(disk.contains("cache=\"writeback\""), disk);
        String seed = api.get("/v1/instances/" + uuid + "/libvirt-xml?format=nocloud&disk_path=/x/seed.iso").body();
        assertFalse(seed.contains("sysinfo"), seed);
        assertTrue(seed.contains("<target dev=\"hda\" bus=\"ide\"/>"), seed);

        for (String bad : List.of("format=iso9660", "disk_path=relative", "disk_path=/x&machine_type=arm",
                "disk_path=/x&disk_cache=fast", "disk_path=/x&format=floppy")) {
            HttpResponse<String> r = api.get("/v1/instances/" + uuid + "/libvirt-xml?" + bad);
            assertEquals(400, r.statusCode(), bad);
        }
        assertEquals(404, api.get("/v1/instances/" + UUID.randomUUID() + "/libvirt-xml?disk_path=/x").statusCode());
    }

    // ---- inject ----

    @Test
    void injectIsDisabledWithoutAllowedDirs() {
        UUID uuid = created();
        HttpResponse<String> r = api.post("/v1/instances/" + uuid + "/inject", "{\"image\": \"/tmp/x.img\"}");
        assertEquals(403, r.statusCode());
        assertEquals("inject_disabled", json(r).at("/error/code").asText());
    }

    @Test
    void injectUnderAnAllowedDirectoryOnly(@TempDir Path other) throws Exception {
        Path allowed = Files.createDirectories(other.resolve("images"));
        Path outside = Files.createDirectories(other.resolve("elsewhere"));
        try (ApiClient withInject = new ApiClient(Files.createDirectories(other.resolve("store")),
                b -> b.allowedInjectDirs(List.of(allowed)))) {
            assertEquals(201, withInject.post("/v1/keypairs", "{\"name\": \"mykey\", \"public_key\": \"" + ALICE + "\"}")
                    .statusCode());
            UUID uuid = UUID.randomUUID();
            assertEquals(201, withInject.post("/v1/instances", "{\"uuid\": \"" + uuid + "\", \"name\": \"inj\", "
                    + "\"key_name\": \"mykey\"}").statusCode());
            Path image = ext4Image(other, allowed.resolve("root.img"));
            Path foreign = Files.copy(image, outside.resolve("root.img"));
            Files.createSymbolicLink(allowed.resolve("link.img"), foreign);
            String inject = "/v1/instances/" + uuid + "/inject";

            for (String path : List.of(foreign.toString(), allowed + "/../elsewhere/root.img",
                    allowed.resolve("link.img").toString(), "/etc/passwd", allowed.toString())) {
                HttpResponse<String> r = withInject.post(inject, "{\"image\": \"" + path + "\"}");
                assertEquals(403, r.statusCode(), path + ": " + r.body());
                assertEquals("image_not_allowed", json(r).at("/error/code").asText());
            }
            assertEquals(404, withInject.post(inject, "{\"image\": \"" + allowed.resolve("none.img") + "\"}").statusCode());
            assertEquals(400, withInject.post(inject, "{\"image\": \"root.img\"}").statusCode());
            for (String network : List.of("nbd://127.0.0.1:10809/disk0", "nbd+unix:///disk0?socket=/run/n.sock",
                    "iscsi://127.0.0.1/iqn.2026-12.io.example:x/1", "http://example/disk.img")) {
                HttpResponse<String> r = withInject.post(inject, "{\"image\": \"" + network + "\"}");
                assertEquals(400, r.statusCode(), network + ": " + r.body());
                assertEquals("/image", json(r).at("/error/field").asText(), r.body());
                assertTrue(json(r).at("/error/message").asText().contains(network.startsWith("http")
                        ? "'http://' is not a disk guestdata opens" : "nbd:// and iscsi:// disks are not injected"
                        + " through the management API"), r.body());
            }
            HttpResponse<String> unknown = withInject.post(inject, "{\"image\": \"" + image + "\", \"force\": true}");
            assertEquals(400, unknown.statusCode());
            assertEquals("/force", json(unknown).at("/error/field").asText());
            assertEquals(400, withInject.post(inject, "{\"image\": \"" + image + "\", \"only\": [\"kernel\"]}")
                    .statusCode());
            assertEquals(400, withInject.post(inject, "{\"image\": \"" + image + "\", \"partition\": -3}").statusCode());

            HttpResponse<String> dry = withInject.post(inject, "{\"image\": \"" + image
                    + "\", \"partition\": 0, \"only\": [\"key\"], \"dry_run\": true}");
            assertEquals(200, dry.statusCode(), dry.body());
            assertEquals("planned", json(dry).get("outcome").asText());

            HttpResponse<String> done = withInject.post(inject, "{\"image\": \"" + image + "\", \"image_format\": "
                    + "\"raw\", \"partition\": 0, \"backend\": \"auto\", \"only\": [\"key\"], \"dry_run\": false, "
                    + "\"best_effort\": false}");
            assertEquals(200, done.statusCode(), done.body());
            JsonNode report = json(done);
            assertEquals("done", report.get("outcome").asText());
            assertEquals("ext2fs", report.get("backend").asText());
            assertFalse(report.has("exit_code"));
            Command.Result cat = tool("debugfs", "-R", "cat /root/.ssh/authorized_keys", image.toString());
            assertTrue(cat.stdout().contains(ALICE), cat.stdout() + cat.stderr());

            Command.Result foreignCat = tool("debugfs", "-R", "cat /root/.ssh/authorized_keys", foreign.toString());
            assertFalse(foreignCat.stdout().contains(ALICE), "the image outside was not written");

            HttpResponse<String> refused = withInject.post(inject, "{\"image\": \"" + image
                    + "\", \"partition\": 0, \"only\": [\"files\"]}");
            assertEquals(409, refused.statusCode(), refused.body());
            assertEquals("refused", json(refused).get("outcome").asText());
            assertEquals("injection_refused", json(refused).at("/error/code").asText());
        }
    }

    /** A whole-disk ext4 image with a minimal guest tree. */
    static Path ext4Image(Path work, Path image) throws Exception {
        Path skel = Files.createDirectories(work.resolve("skel"));
        Files.createDirectories(skel.resolve("etc"));
        Files.createDirectories(skel.resolve("root"));
        Files.writeString(skel.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n");
        Files.writeString(skel.resolve("etc/shadow"), "root:*:19000:0:99999:7:::\n");
        Files.writeString(skel.resolve("etc/group"), "root:x:0:\n");
        Command.Result mkfs = tool("mkfs.ext4", "-q", "-F", "-E", "root_owner=0:0", "-d", skel.toString(), image.toString(),
                "32M");
        assertEquals(0, mkfs.exit(), mkfs.stderr());
        return image;
    }

    /** Runs a host tool (LC_ALL=C), nothing on its standard input, waiting at most 120 s. */
    static Command.Result tool(String... command) {
        return Command.of(command).env(Map.of("LC_ALL", "C")).timeout(Duration.ofSeconds(120)).run();
    }
}
