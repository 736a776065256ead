package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.server.api.ManagementApi;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.ToolTest;
import io.helidon.webserver.WebServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The management API's config drive download is what {@code guestdata configdrive} writes for the same instance
 * document and {@code --timestamp}: byte for byte but for {@code random_seed} (fresh in every image; JSON in
 * meta_data.json, YAML {@code !!binary} in a NoCloud seed's meta-data), and as file
 * trees extracted by xorriso (ISO 9660) or mtools (VFAT) with random_seed masked.
 */
@ToolTest
class ManagementApiConfigDriveTest {
    private static final String TOKEN = "equivalence-test-token";
    private static final long TIMESTAMP = 1_700_000_000L;

    @ParameterizedTest
    @CsvSource({"iso9660, iso9660, ''", "vfat, vfat, ''", "nocloud, iso9660, --drop-files", "nocloud-vfat, vfat, ''"})
    void downloadEqualsTheCommandsImage(String format, String fs, String extra, @TempDir Path dir) throws Exception {
        UUID uuid = UUID.randomUUID();
        String document = "{\"uuid\": \"" + uuid + "\", \"name\": \"Web Server 1\", \"hostname\": \"web1\","
                + " \"availability_zone\": \"az1\", \"project_id\": \"p1\","
                + " \"metadata\": {\"role\": \"web\", \"tier\": \"front\"},"
                + " \"user_data\": \"I2Nsb3VkLWNvbmZpZwpwYWNrYWdlczogW25naW54XQo=\""
                + (format.equals("iso9660") || format.equals("vfat")
                        ? ", \"files\": [{\"path\": \"/etc/motd\", \"contents\": \"aGVsbG8K\"}]" : "")
                + "}";
        Path docFile = Files.writeString(dir.resolve("instance.json"), document);
        Path cliImage = dir.resolve("cli.img");
        List<String> args = new ArrayList<>(List.of("configdrive", "--instance", docFile.toString(), "--format",
                format.startsWith("nocloud") ? "nocloud" : format, "--output", cliImage.toString(),
                "--timestamp", Long.toString(TIMESTAMP)));
        if (format.equals("nocloud-vfat")) {
            args.addAll(List.of("--nocloud-filesystem", "vfat"));
        }
        if (!extra.isEmpty()) {
            args.add(extra);
        }
        Cli cli = Cli.run(args.toArray(String[]::new));
        assertEquals(0, cli.exitCode(), cli.toString());

        byte[] apiImage;
        try (Store store = Stores.open("sqlite:" + dir.resolve("store"))) {
            WebServer server = WebServer.builder().host("127.0.0.1").port(0)
                    .routing(r -> r.addFeature(ManagementApi.create(store, TOKEN, MetadataOptions.defaults())))
                    .build().start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                String base = "http://127.0.0.1:" + server.port() + "/v1/instances";
                HttpResponse<String> created = http.send(HttpRequest.newBuilder(URI.create(base))
                        .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(document)).build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(201, created.statusCode(), created.body());
                String query = "?timestamp=" + TIMESTAMP + "&format=" + (format.startsWith("nocloud") ? "nocloud" : format)
                        + (format.equals("nocloud-vfat") ? "&nocloud_filesystem=vfat" : "")
                        + (extra.isEmpty() ? "" : "&drop_files=true");
                HttpResponse<byte[]> image = http.send(HttpRequest.newBuilder(URI.create(base + "/" + uuid
                                + "/config-drive" + query)).header("Authorization", "Bearer " + TOKEN).GET().build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, image.statusCode(), new String(image.body(), StandardCharsets.UTF_8));
                apiImage = image.body();
            } finally {
                server.stop();
            }
        }
        byte[] cliBytes = Files.readAllBytes(cliImage);
        assertEquals(cliBytes.length, apiImage.length);
        assertArrayEquals(maskRandomSeed(cliBytes), maskRandomSeed(apiImage));

        Path apiFile = Files.write(dir.resolve("api.img"), apiImage);
        Path cliTree = extract(fs, cliImage, dir.resolve("cli-tree"));
        Path apiTree = extract(fs, apiFile, dir.resolve("api-tree"));
        List<String> cliFiles = files(cliTree);
        assertEquals(cliFiles, files(apiTree));
        assertTrue(cliFiles.size() >= 2, cliFiles.toString());
        for (String f : cliFiles) {
            assertArrayEquals(maskRandomSeed(Files.readAllBytes(cliTree.resolve(f))),
                    maskRandomSeed(Files.readAllBytes(apiTree.resolve(f))), f);
        }
    }

    private static byte[] maskRandomSeed(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1)
                .replaceAll("(\"?random_seed\"?: (!!binary )?)\"[A-Za-z0-9+/=]+\"", "$1\"MASKED\"")
                .getBytes(StandardCharsets.ISO_8859_1);
    }

    private static Path extract(String fs, Path image, Path into) throws Exception {
        Files.createDirectories(into);
        List<String> command = fs.equals("iso9660")
                ? List.of("xorriso", "-osirrox", "on", "-indev", image.toString(), "-extract", "/", into.toString())
                : List.of("mcopy", "-s", "-n", "-i", image.toString(), "::/", into.toString());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("MTOOLS_SKIP_CHECK", "1");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        return into;
    }

    private static List<String> files(Path root) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).sorted().toList();
        }
    }
}
