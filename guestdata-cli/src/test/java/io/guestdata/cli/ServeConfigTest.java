package io.guestdata.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.guestdata.core.metadata.LookupResult;
import io.guestdata.server.metadata.ConnectionLimits;
import io.guestdata.server.metadata.MetadataServerConfig;
import io.guestdata.server.metadata.OpenFileLimit;
import io.guestdata.server.metadata.RequestRate;

import io.guestdata.server.metadata.StoreInstanceDirectory;
import io.guestdata.server.metadata.TokenPolicy;
import io.guestdata.store.Documents;
import io.guestdata.store.Store;
import io.guestdata.store.Stores;
import io.guestdata.testkit.ToolTest;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code guestdata serve}: precedence of flags, environment, file and defaults; configuration errors (exit 13). */
@ToolTest
class ServeConfigTest {
    @TempDir
    Path dir;

    @Test
    void yamlWordsOnOffYesNoStayTheWordsWritten() throws Exception {
        Path file = yaml("imds-tokens: off\nserve-injected-files: no\nvendor-data-failure-fatal: yes\napi-listen: none\n");
        Cli cli = Cli.run("serve", "--config", file.toString(), "--check-config");
        assertEquals(0, cli.exitCode(), cli.toString());
        assertTrue(cli.out().contains("imds-tokens = off (" + file + ")"), cli.out());
        MetadataServerConfig config = ServeSettings.resolve(Map.of(), Map.of(), Optional.of(file)).serverConfig();
        assertEquals(TokenPolicy.OFF, config.tokens());
        assertFalse(config.metadata().serviceServesFiles(), cli.out());
        assertTrue(config.vendorDataFailureFatal(), cli.out());
        // true and false are still booleans, and still accepted
        Path booleans = yaml("serve-injected-files: false\nvendor-data-failure-fatal: true\napi-listen: none\n");
        MetadataServerConfig fromBooleans = ServeSettings.resolve(Map.of(), Map.of(), Optional.of(booleans)).serverConfig();
        assertFalse(fromBooleans.metadata().serviceServesFiles());
        assertTrue(fromBooleans.vendorDataFailureFatal());
    }

    private Path yaml(String text) throws Exception {
        Path file = dir.resolve("serve.yaml");
        Files.writeString(file, text);
        return file;
    }

    /** management-listen was renamed metrics-listen: the former name still works everywhere, with a note. */
    @Test
    void theFormerNameOfMetricsListenStillWorksWithANote() throws Exception {
        Path file = yaml("""
                management-listen: 10.0.0.1:9775
                api-listen: none
                """);
        Cli fromFile = Cli.run(Map.of(), "serve", "--config", file.toString(), "--check-config");
        assertEquals(0, fromFile.exitCode(), fromFile.toString());
        assertTrue(fromFile.out().contains("metrics-listen = 10.0.0.1:9775 (" + file + ")"), fromFile.out());
        assertTrue(fromFile.stderr().contains("key 'management-listen' is now metrics-listen"), fromFile.stderr());

        Cli fromEnvironment = Cli.run(Map.of("GUESTDATA_MANAGEMENT_LISTEN", "10.0.0.2:9775", "GUESTDATA_API_LISTEN",
                "none"), "serve", "--check-config");
        assertEquals(0, fromEnvironment.exitCode(), fromEnvironment.toString());
        assertTrue(fromEnvironment.out().contains("metrics-listen = 10.0.0.2:9775 (GUESTDATA_MANAGEMENT_LISTEN)"),
                fromEnvironment.out());
        assertTrue(fromEnvironment.stderr().contains("GUESTDATA_MANAGEMENT_LISTEN (GUESTDATA_METRICS_LISTEN) is now"),
                fromEnvironment.stderr());

        Cli fromFlag = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--management-listen", "10.0.0.3:9775",
                "--check-config");
        assertEquals(0, fromFlag.exitCode(), fromFlag.toString());
        assertTrue(fromFlag.out().contains("metrics-listen = 10.0.0.3:9775 (--metrics-listen)"), fromFlag.out());
        assertTrue(fromFlag.stderr().contains("--management-listen (--metrics-listen) is now metrics-listen"),
                fromFlag.stderr());

        Cli both = Cli.run(Map.of(), "serve", "--management-listen", "10.0.0.3:9775", "--metrics-listen",
                "10.0.0.4:9775", "--check-config");
        assertEquals(ExitCode.USAGE, both.exitCode(), both.toString());
        assertTrue(both.stderr().contains("--management-listen is the former name of --metrics-listen"), both.stderr());
        Path bothInFile = yaml("""
                management-listen: 10.0.0.1:9775
                metrics-listen: 10.0.0.2:9775
                """);
        Cli bothFile = Cli.run(Map.of(), "serve", "--config", bothInFile.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, bothFile.exitCode(), bothFile.toString());
        assertTrue(bothFile.stderr().contains("'management-listen' is the former name of 'metrics-listen'"),
                bothFile.stderr());
        assertFalse(Cli.run(Map.of(), "serve", "--help").out().contains("management-listen"), "the old name is hidden");
    }

    @Test
    void flagsBeatEnvironmentBeatFileBeatDefaults() throws Exception {
        Path file = yaml("""
                listen: 10.0.0.1:8775
                mode: proxy
                dhcp-domain: from-file
                trusted-proxies: []
                api-listen: none
                """);
        Cli cli = Cli.run(Map.of("GUESTDATA_MODE", "address", "GUESTDATA_DHCP_DOMAIN", "from-env"),
                "serve", "--config", file.toString(), "--dhcp-domain", "from-flag", "--check-config");
        assertEquals(0, cli.exitCode(), cli.toString());
        String out = cli.out();
        assertTrue(out.contains("dhcp-domain = from-flag (--dhcp-domain)"), out);
        assertTrue(out.contains("mode = address (GUESTDATA_MODE)"), out);
        assertTrue(out.contains("listen = 10.0.0.1:8775 (" + file + ")"), out);
        assertTrue(out.contains("metrics-listen = 127.0.0.1:9775 (default)"), out);
        assertTrue(out.contains("store = sqlite:./guestdata-data (default (sqlite:<data-dir>))"), out);
        assertTrue(out.contains("metadata-cache-entries = " + StoreInstanceDirectory.DEFAULT_CACHE_ENTRIES
                + " (default)"), out);
    }

    @Test
    void theRequestRateIsOnByDefaultCheckedAndReachesTheServer() throws Exception {
        Cli defaults = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--check-config");
        assertEquals(0, defaults.exitCode(), defaults.toString());
        assertTrue(defaults.out().contains("request-rate = 20 (default)\n"), defaults.out());
        assertTrue(defaults.out().contains("request-burst = 300 (default)\n"), defaults.out());
        assertEquals(RequestRate.defaults(), settings(Map.of()).serverConfig().requestRate());
        assertEquals(RequestRate.defaults().withPerSecond(2.5).withBurst(40), settings(Map.of("request-rate", "2.5",
                "request-burst", "40")).serverConfig().requestRate());
        for (String off : new String[] {"0", "off", "OFF"}) {
            assertFalse(settings(Map.of("request-rate", off)).serverConfig().requestRate().enabled(), off);
        }
        Cli file = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_REQUEST_BURST", "500"), "serve",
                "--config", yaml("request-rate: off\n").toString(), "--check-config");
        assertEquals(0, file.exitCode(), file.toString());
        // an unquoted off stays "off" (YAML 1.1 would make it the boolean false)
        assertTrue(file.out().contains("request-rate = off (" + dir.resolve("serve.yaml") + ")"), file.out());
        assertFalse(ServeSettings.resolve(Map.of(), Map.of(), Optional.of(dir.resolve("serve.yaml"))).serverConfig()
                .requestRate().enabled());
        assertTrue(file.out().contains("request-burst = 500 (GUESTDATA_REQUEST_BURST)"), file.out());
        for (String bad : new String[] {"-1", "fast", "1e9", "0.0001"}) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--request-rate", bad, "--check-config");
            assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains("request-rate (from --request-rate): must be requests a second from 0.001 "
                    + "to 1000000, or 0 or off for no limit, got '" + bad + "'"), cli.stderr());
        }
        for (String bad : new String[] {"0", "1.5", "lots"}) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_REQUEST_BURST", bad), "serve",
                    "--check-config");
            assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains("request-burst (from GUESTDATA_REQUEST_BURST): must be a whole number of "
                    + "requests from 1 to 1000000, got '" + bad + "'"), cli.stderr());
        }
    }

    private static ServeSettings settings(Map<String, Object> flags) throws Exception {
        return ServeSettings.resolve(flags, Map.of(), Optional.empty());
    }

    @Test
    void theMetadataCacheSizeIsAWholeNumberAndReachesTheDirectory() throws Exception {
        Cli env = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_METADATA_CACHE_ENTRIES", "20000"),
                "serve", "--config", yaml("metadata-cache-entries: 100\n").toString(), "--check-config");
        assertEquals(0, env.exitCode(), env.toString());
        assertTrue(env.out().contains("metadata-cache-entries = 20000 (GUESTDATA_METADATA_CACHE_ENTRIES)"), env.out());
        for (String bad : new String[] {"0", "-5", "many", "1.5"}) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--metadata-cache-entries", bad,
                    "--check-config");
            assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains("metadata-cache-entries (from --metadata-cache-entries): must be a whole "
                    + "number from 1"), cli.stderr());
        }

        String data = dir.resolve("data").toString();
        List<UUID> uuids = new ArrayList<>();
        try (Store store = Stores.open("sqlite:" + data)) {
            for (int i = 0; i < 3; i++) {
                uuids.add(store.instances().create(Documents.instance().bytes()).uuid());
            }
        }
        MetadataServerConfig config = MetadataServerConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .noManagement().metadataCacheEntries(2).build();
        try (ServeService service = ServeService.start("sqlite:" + data, config, Optional.empty())) {
            for (UUID uuid : uuids) {
                assertTrue(service.directory().byUuid(uuid.toString()).isPresent());
            }
            assertEquals(3, service.directory().size());
            assertEquals(2, service.directory().cachedTrees(), "at most metadata-cache-entries trees");
        }
    }

    /**
     * A listener out of file descriptors stops accepting for good: the connections serve allows on its listeners must
     * fit its open-file limit with OpenFileLimit.RESERVE to spare. The default is lowered to fit; a given number that
     * does not fit is refused, naming the setting, where it came from, what it needs and what fits.
     */
    @Test
    void maxConnectionsFitTheOpenFileLimit() throws Exception {
        assertEquals(1000, ServeSettings.resolve(Map.of(), Map.of(), Optional.empty()).connectionLimits(1256).maxConnections());
        assertEquals(500, ServeSettings.resolve(Map.of(), Map.of("GUESTDATA_LISTEN", "127.0.0.1:8775,[::1]:8775"), Optional.empty())
                .connectionLimits(1256).maxConnections(), "each listener has its own max-connections");
        assertEquals(ConnectionLimits.DEFAULT_MAX_CONNECTIONS, ServeSettings.resolve(Map.of(), Map.of(), Optional.empty())
                .connectionLimits(1_000_000).maxConnections());
        assertEquals(1000, ServeSettings.resolve(Map.of("max-connections", "1000"), Map.of(), Optional.empty())
                .connectionLimits(1256).maxConnections());
        ServeSettings tooMany = ServeSettings.resolve(Map.of(), Map.of("GUESTDATA_MAX_CONNECTIONS", "1001"), Optional.empty());
        Exception refused = assertThrows(Exception.class, () -> tooMany.connectionLimits(1256));
        assertTrue(refused.getMessage().contains("max-connections") && refused.getMessage().contains("GUESTDATA_MAX_CONNECTIONS")
                && refused.getMessage().contains("1001 connections need 1257 open files")
                && refused.getMessage().contains("this process may open 1256")
                && refused.getMessage().endsWith("allow at most 1000"), refused.getMessage());
        // through the command line, against this process's real limit
        long limit = OpenFileLimit.ofThisProcess();
        Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--max-connections",
                Long.toString(Math.min(Integer.MAX_VALUE, limit)), "--check-config");
        assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
        assertTrue(cli.stderr().contains("but this process may open " + limit), cli.toString());
    }

    @Test
    void theAnswerCacheBudgetIsASizeAtMostHalfTheHeapAndReachesTheDirectory() throws Exception {
        Cli env = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_METADATA_CACHE_BYTES", "16M"),
                "serve", "--config", yaml("metadata-cache-bytes: 1000\n").toString(), "--check-config");
        assertEquals(0, env.exitCode(), env.toString());
        assertTrue(env.out().contains("metadata-cache-bytes = 16M (GUESTDATA_METADATA_CACHE_BYTES)"), env.out());
        assertEquals(16L << 20, settings(Map.of("metadata-cache-bytes", "16M")).serverConfig().metadataCacheBytes());
        assertEquals(0, settings(Map.of("metadata-cache-bytes", "0")).serverConfig().metadataCacheBytes());
        assertEquals(1536, settings(Map.of("metadata-cache-bytes", "1536")).serverConfig().metadataCacheBytes());
        assertEquals(StoreInstanceDirectory.DEFAULT_CACHE_BYTES, settings(Map.of()).serverConfig().metadataCacheBytes());
        for (String bad : new String[] {"-5", "many", "1.5M", "12 parsecs"}) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--metadata-cache-bytes", bad,
                    "--check-config");
            assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains("metadata-cache-bytes (from --metadata-cache-bytes): is not a size: give "
                    + "bytes, or a number with K, M, G or T"), cli.stderr());
        }
        long heap = Runtime.getRuntime().maxMemory();
        String over = ((heap >> 20) / 2 + 1) + "M";
        Cli tooBig = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--metadata-cache-bytes", over,
                "--check-config");
        assertEquals(ExitCode.CONFIG, tooBig.exitCode(), tooBig.toString());
        assertTrue(tooBig.stderr().contains("metadata-cache-bytes (from --metadata-cache-bytes): " + over
                + " is more than half the heap (" + (heap >> 20) + " MiB, -Xmx): give at most "), tooBig.stderr());

        String data = dir.resolve("data").toString();
        try (Store store = Stores.open("sqlite:" + data)) {
            store.instances().create(Documents.instance().bytes());
        }
        MetadataServerConfig config = MetadataServerConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                .noManagement().metadataCacheBytes(123_456).build();
        try (ServeService service = ServeService.start("sqlite:" + data, config, Optional.empty())) {
            String metrics = service.directory().metrics("guestdata_metadata");
            assertTrue(metrics.contains("\nguestdata_metadata_answer_cache_budget_bytes 123456\n"), metrics);
        }
    }

    @Test
    void indexingDocumentsIsOnByDefaultAndTurnedOffReachesTheDirectory() throws Exception {
        assertTrue(settings(Map.of()).serverConfig().metadataIndexDocuments());
        assertFalse(settings(Map.of("metadata-index-documents", "false")).serverConfig().metadataIndexDocuments());
        Cli bad = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_METADATA_INDEX_DOCUMENTS", "sometimes"),
                "serve", "--check-config");
        assertEquals(ExitCode.CONFIG, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("metadata-index-documents (from GUESTDATA_METADATA_INDEX_DOCUMENTS): must be "
                + "true or false, got 'sometimes'"), bad.stderr());

        String data = dir.resolve("data").toString();
        try (Store store = Stores.open("sqlite:" + data)) {
            store.instances().create(Documents.instance().bytes());
        }
        for (boolean index : new boolean[] {true, false}) {
            MetadataServerConfig config = MetadataServerConfig.builder().listen(new InetSocketAddress("127.0.0.1", 0))
                    .noManagement().metadataIndexDocuments(index).build();
            try (ServeService service = ServeService.start("sqlite:" + data, config, Optional.empty())) {
                assertEquals(index, service.directory().indexDocumentBytes() > 0, "index " + index);
                String metrics = service.directory().metrics("guestdata_metadata");
                assertTrue(metrics.contains("\nguestdata_metadata_index_document_bytes "
                        + service.directory().indexDocumentBytes() + "\n"), metrics);
            }
        }
    }

    @Test
    void connectionLimitsFromEveryKindOfSourceReachTheServerConfig() throws Exception {
        ServeSettings defaults = ServeSettings.resolve(Map.of(), Map.of(), Optional.empty());
        // the default, lowered to what this process's open-file limit allows (OpenFileLimit)
        assertEquals(ConnectionLimits.defaults().withMaxConnections(Math.min(ConnectionLimits.DEFAULT_MAX_CONNECTIONS,
                OpenFileLimit.fitting(OpenFileLimit.ofThisProcess(), 1, 1))), defaults.serverConfig().limits().connections());
        Path file = yaml("max-connections: 2000\nidle-timeout: 30\n");
        ServeSettings settings = ServeSettings.resolve(Map.of("max-connections-per-source", "16"),
                Map.of("GUESTDATA_FIRST_REQUEST_TIMEOUT", "2.5", "GUESTDATA_IDLE_TIMEOUT", "20"), Optional.of(file));
        ConnectionLimits limits = settings.serverConfig().limits().connections();
        assertEquals(2000, limits.maxConnections());
        assertEquals(16, limits.maxPerSource());
        assertEquals(java.time.Duration.ofMillis(2500), limits.firstRequestTimeout());
        assertEquals(java.time.Duration.ofSeconds(20), limits.idleTimeout(), "the environment beats the file");
        Cli shown = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_IDLE_TIMEOUT", "20"), "serve",
                "--config", file.toString(), "--max-connections-per-source", "16", "--check-config");
        assertEquals(0, shown.exitCode(), shown.toString());
        assertTrue(shown.out().contains("max-connections = 2000 (" + file + ")"), shown.out());
        assertTrue(shown.out().contains("max-connections-per-source = 16 (--max-connections-per-source)"), shown.out());
        assertTrue(shown.out().contains("first-request-timeout = 5 (default)"), shown.out());
        assertTrue(shown.out().contains("idle-timeout = 20 (GUESTDATA_IDLE_TIMEOUT)"), shown.out());

        // Behind proxies a source is a proxy that limits its guests itself: a quarter of the listener by default.
        assertEquals(2500, ServeSettings.resolve(Map.of("mode", "proxy"), Map.of(), Optional.empty())
                .connectionLimits().maxPerSource());
        assertEquals(100, ServeSettings.resolve(Map.of("mode", "proxy", "max-connections-per-source", "100"), Map.of(),
                Optional.empty()).connectionLimits().maxPerSource());
        assertEquals(64, defaults.connectionLimits().maxPerSource(), "address mode: a source is one guest");

        Cli notBelow = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--max-connections", "64",
                "--check-config");
        assertEquals(ExitCode.CONFIG, notBelow.exitCode(), notBelow.toString());
        assertTrue(notBelow.stderr().contains("max-connections-per-source (from default): 64 is not below "
                + "max-connections (64, from --max-connections)"), notBelow.stderr());
        for (String[] bad : new String[][] {{"--max-connections-per-source", "0", "must be a whole number"},
                {"--max-connections", "lots", "must be a whole number"},
                {"--first-request-timeout", "0", "must be a number of seconds"},
                {"--idle-timeout", "-1", "must be a number of seconds"}}) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", bad[0], bad[1], "--check-config");
            assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains(bad[0].substring(2) + " (from " + bad[0] + "): " + bad[2]), cli.stderr());
        }
    }

    @Test
    void theNovaReleaseReachesTheMetadataServiceAndTheManagementApisConfigDrives() throws Exception {
        Cli shown = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--check-config");
        assertEquals(0, shown.exitCode(), shown.toString());
        assertTrue(shown.out().contains("nova-release = 31 (default)"), shown.out());
        Path file = yaml("nova-release: zed\napi-listen: none\n");
        Cli bad = Cli.run("serve", "--config", file.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, bad.exitCode(), bad.toString());
        assertTrue(bad.stderr().contains("nova-release (from " + file + "): must be one of 26|31 (the Nova release "
                + "guests see), got 'zed'"), bad.stderr());

        String data = dir.resolve("data").toString();
        UUID uuid;
        try (Store store = Stores.open("sqlite:" + data)) {
            uuid = store.instances().create(Documents.instance().bytes()).uuid();
        }
        String token = "release-test-token-0123456789";
        for (String release : List.of("26", "31")) {
            ServeSettings settings = ServeSettings.resolve(Map.of("listen", List.of("127.0.0.1:0"), "api-listen", "127.0.0.1:0",
                    "metrics-listen", "none", "nova-release", release), Map.of("GUESTDATA_API_TOKEN", token),
                    Optional.empty());
            MetadataServerConfig config = settings.serverConfig();
            assertEquals(release, config.metadata().novaRelease().number());
            try (ServeService service = ServeService.start("sqlite:" + data, config, settings.api())) {
                String listing = new String(((LookupResult.Found) service.directory()
                        .byUuid(uuid.toString()).orElseThrow().lookup("/openstack", null)).body(),
                        StandardCharsets.UTF_8);
                assertEquals(release.equals("31"), listing.contains("2025-04-04"), listing);
                HttpResponse<byte[]> drive = HttpClient.newHttpClient().send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                                + service.server().apiPort() + "/v1/instances/" + uuid + "/config-drive?format=iso9660"))
                                .header("Authorization", "Bearer " + token).build(),
                        HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, drive.statusCode());
                Path iso = Files.write(dir.resolve("api-" + release + ".iso"), drive.body());
                String names = Images.ok("isoinfo", "-R", "-f", "-i", iso.toString());
                assertTrue(names.contains("/openstack/2020-10-14/meta_data.json"), names);
                assertEquals(release.equals("31"), names.contains("/openstack/2025-04-04/meta_data.json"), names);
            }
        }
    }

    @Test
    void theUndoDirectoryOfApiInjectionsDefaultsToTheDataDirectory() throws Exception {
        ServeSettings defaults = ServeSettings.resolve(Map.of("data-dir", "/srv/gd"), Map.of(), Optional.empty());
        assertTrue(defaults.describe().contains("inject-undo-dir = /srv/gd/undo (default (<data-dir>/undo))"),
                defaults.describe().toString());
        ServeSettings set = ServeSettings.resolve(Map.of("data-dir", "/srv/gd"),
                Map.of("GUESTDATA_INJECT_UNDO_DIR", "/var/lib/guestdata/undo"), Optional.empty());
        assertTrue(set.describe().contains("inject-undo-dir = /var/lib/guestdata/undo (GUESTDATA_INJECT_UNDO_DIR)"),
                set.describe().toString());
    }

    @Test
    void configFileFromTheEnvironmentAndListsFromCommas() throws Exception {
        Path file = yaml("api-listen: none\ntrusted-proxies: [10.0.0.0/8]\n");
        Cli cli = Cli.run(Map.of("GUESTDATA_CONFIG", file.toString(),
                "GUESTDATA_TRUSTED_PROXIES", "192.168.0.0/16, 172.16.0.0/12"), "serve", "--check-config");
        assertEquals(0, cli.exitCode(), cli.toString());
        assertTrue(cli.out().contains("trusted-proxies = 192.168.0.0/16,172.16.0.0/12 (GUESTDATA_TRUSTED_PROXIES)"),
                cli.out());
    }

    @Test
    void secretsAreNeverPrinted() throws Exception {
        Path secret = dir.resolve("secret");
        Files.writeString(secret, "very-secret-value\n");
        Cli cli = Cli.run(Map.of("GUESTDATA_API_TOKEN", "token-token-token-token"),
                "serve", "--mode", "proxy", "--shared-secret-file", secret.toString(),
                "--store", "jdbc:postgresql://db/g?user=u&password=dbpass", "--check-config");
        assertEquals(0, cli.exitCode(), cli.toString());
        assertFalse(cli.toString().contains("token-token"), cli.toString());
        assertFalse(cli.toString().contains("dbpass"), cli.toString());
        assertTrue(cli.out().contains("api-token = <set> (GUESTDATA_API_TOKEN)"), cli.out());
        // and there is no flag for a secret value (command lines are visible to everyone)
        assertEquals(ExitCode.USAGE, Cli.run("serve", "--api-token", "x").exitCode());
    }

    @Test
    void badYamlNamesTheFileAndLine() throws Exception {
        Path file = yaml("listen: 127.0.0.1:8775\nmode: [address\n");
        Cli cli = Cli.run("serve", "--config", file.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, cli.exitCode(), cli.toString());
        assertTrue(cli.stderr().contains("is not valid YAML") && cli.stderr().contains("line "), cli.stderr());
    }

    @Test
    void duplicateAndUnknownKeys() throws Exception {
        Cli dup = Cli.run("serve", "--config", yaml("mode: proxy\nmode: address\n").toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, dup.exitCode(), dup.toString());
        assertTrue(dup.stderr().contains("mode"), dup.stderr());
        Cli unknown = Cli.run("serve", "--config", yaml("lisen: 127.0.0.1:1\n").toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, unknown.exitCode());
        assertTrue(unknown.stderr().contains("unknown key 'lisen'"), unknown.stderr());
        Cli notMapping = Cli.run("serve", "--config", yaml("- a\n- b\n").toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, notMapping.exitCode());
        assertTrue(notMapping.stderr().contains("must be a mapping"), notMapping.stderr());
    }

    @Test
    void theMetadataListenerTakesSeveralAddresses() throws Exception {
        Path file = yaml("listen:\n  - 169.254.169.254:80\n  - \"[fd00::1]:80\"\napi-listen: none\n");
        Cli yamlList = Cli.run("serve", "--config", file.toString(), "--check-config");
        assertEquals(0, yamlList.exitCode(), yamlList.toString());
        assertTrue(yamlList.out().contains("listen = 169.254.169.254:80,[fd00::1]:80 (" + file + ")"), yamlList.out());
        Cli flags = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--listen", "127.0.0.1:8775",
                "--listen", "[::1]:8775", "--check-config");
        assertTrue(flags.out().contains("listen = 127.0.0.1:8775,[::1]:8775 (--listen)"), flags.toString());
        Cli linkLocal = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none", "GUESTDATA_LISTEN",
                "169.254.169.254:80,[fe80::a9fe:a9fe]:80"), "serve", "--check-config");
        assertEquals(ExitCode.CONFIG, linkLocal.exitCode());
        assertTrue(linkLocal.stderr().contains("listen (from GUESTDATA_LISTEN): the link-local address fe80::a9fe:a9fe "
                + "needs the interface it is on: [fe80::a9fe:a9fe%INTERFACE]"), linkLocal.stderr());
        Path empty = yaml("listen: []\napi-listen: none\n");
        Cli none = Cli.run("serve", "--config", empty.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, none.exitCode());
        assertTrue(none.stderr().contains("listen (from " + empty + "): no address"), none.stderr());
    }

    @Test
    void badValuesNameTheKeyAndTheSource() throws Exception {
        Cli port = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--listen", "127.0.0.1:65536",
                "--check-config");
        assertEquals(ExitCode.CONFIG, port.exitCode());
        assertTrue(port.stderr().contains("listen (from --listen): port must be a number 0-65535, got '65536'"),
                port.stderr());
        Cli host = Cli.run(Map.of("GUESTDATA_METRICS_LISTEN", "localhost:9775", "GUESTDATA_API_LISTEN", "none"),
                "serve", "--check-config");
        assertEquals(ExitCode.CONFIG, host.exitCode());
        assertTrue(host.stderr().contains("metrics-listen (from GUESTDATA_METRICS_LISTEN): 'localhost' is not "
                + "an IP address"), host.stderr());
        Cli mode = Cli.run("serve", "--config", yaml("mode: magic\napi-listen: none\n").toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, mode.exitCode());
        assertTrue(mode.stderr().contains("mode (from " + dir.resolve("serve.yaml") + "): must be address, proxy or "
                + "provider, got 'magic'"), mode.stderr());
        Cli provider = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--mode", "provider", "--check-config");
        assertEquals(ExitCode.CONFIG, provider.exitCode());
        assertTrue(provider.stderr().contains("shared-secret"), provider.stderr());
        Cli timeout = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--vendor-data-read-timeout", "soon",
                "--check-config");
        assertEquals(ExitCode.CONFIG, timeout.exitCode());
        assertTrue(timeout.stderr().contains("vendor-data-read-timeout (from --vendor-data-read-timeout)"),
                timeout.stderr());
        Cli key = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--imds-token-key-file",
                Files.writeString(dir.resolve("short"), "short").toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, key.exitCode());
        assertTrue(key.stderr().contains("at least 32"), key.stderr());
    }

    @Test
    void theApiListenerNeedsAToken() throws Exception {
        Cli none = Cli.run("serve", "--check-config");
        assertEquals(ExitCode.CONFIG, none.exitCode());
        assertTrue(none.stderr().contains("api-listen (from default): the management API listens on 127.0.0.1:8774 "
                + "but no api-token is set"), none.stderr());
        Cli shortToken = Cli.run(Map.of("GUESTDATA_API_TOKEN", "short"), "serve", "--check-config");
        assertEquals(ExitCode.CONFIG, shortToken.exitCode());
        assertTrue(shortToken.stderr().contains("api-token (from GUESTDATA_API_TOKEN): the API token must have at "
                + "least 16 characters"), shortToken.stderr());
        Path tokenFile = Files.writeString(dir.resolve("token"), "0123456789abcdef0123\n");
        Cli both = Cli.run(Map.of("GUESTDATA_API_TOKEN", "0123456789abcdef0123"), "serve", "--api-token-file",
                tokenFile.toString(), "--check-config");
        assertEquals(ExitCode.CONFIG, both.exitCode());
        assertTrue(both.stderr().contains("are both set"), both.stderr());
        assertEquals(0, Cli.run("serve", "--api-token-file", tokenFile.toString(), "--check-config").exitCode());
    }

    @Test
    void aListenerThatCannotBindIsExit14() throws Exception {
        try (var taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli cli = Cli.run(Map.of("GUESTDATA_API_LISTEN", "none"), "serve", "--data-dir",
                    dir.resolve("data").toString(), "--listen", "127.0.0.1:" + taken.getLocalPort(),
                    "--metrics-listen", "127.0.0.1:0");
            assertEquals(ExitCode.UNAVAILABLE, cli.exitCode(), cli.toString());
            assertTrue(cli.stderr().contains("cannot listen on"), cli.stderr());
        }
    }
}
