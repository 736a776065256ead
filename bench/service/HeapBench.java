import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.server.metadata.IdentificationMode;
import io.guestdata.server.metadata.InMemoryPasswordStore;
import io.guestdata.server.metadata.InstanceDirectory;
import io.guestdata.server.metadata.MetadataServer;
import io.guestdata.server.metadata.MetadataServerConfig;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Heap of the metadata service with N instances stored (bench/service/run-heap-bench): N documents generated
 * from examples/instance.json (own UUID, name, address), one MetadataTree each in a plain map directory (the
 * in-memory directory copies its maps per put: fine for tests, quadratic for 100k), served by a running
 * MetadataServer; then GC and the used heap. Prints "pid" first and waits for a line on stdin before exiting, so
 * the caller can take a class histogram.
 */
public class HeapBench {
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Path example = Path.of(args[1]);
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode template = (ObjectNode) mapper.readTree(example.toFile());
        InstanceDocumentParser parser = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none());
        MetadataOptions options = MetadataOptions.defaults();
        System.out.println("pid " + ProcessHandle.current().pid());
        long base = usedAfterGc();
        Map<String, MetadataTree> byUuid = new HashMap<>(n * 2);
        Map<InetAddress, MetadataTree> byAddress = new HashMap<>(n * 2);
        long t0 = System.nanoTime();
        String first = null;
        for (int i = 0; i < n; i++) {
            ObjectNode doc = template.deepCopy();
            String uuid = UUID.nameUUIDFromBytes(("bench-" + i).getBytes()).toString();
            doc.put("uuid", uuid);
            doc.put("name", "vm-" + i);
            String ip = "10." + ((i >> 16) & 255) + "." + ((i >> 8) & 255) + "." + (i & 255);
            ((ObjectNode) doc.path("network_data").path("networks").get(0)).put("ip_address", ip);
            ((ObjectNode) doc.path("network_data").path("networks").get(1)).put("ip_address", "fd00::" + Integer.toHexString((i + 1) >> 16) + ":" + Integer.toHexString((i + 1) & 0xffff));
            MetadataTree tree = MetadataTree.build(parser.parse(mapper.writeValueAsBytes(doc)), options);
            byUuid.put(uuid, tree);
            byAddress.put(InetAddress.getByName(ip), tree);
            if (first == null) {
                first = uuid;
            }
        }
        long buildMs = (System.nanoTime() - t0) / 1_000_000;
        InstanceDirectory directory = new InstanceDirectory() {
            @Override
            public Optional<MetadataTree> byUuid(String uuid) {
                return Optional.ofNullable(byUuid.get(uuid));
            }

            @Override
            public Optional<MetadataTree> byAddress(InetAddress address) {
                return Optional.ofNullable(byAddress.get(address));
            }
        };
        String secret = "s";
        try (MetadataServer server = MetadataServer.start(MetadataServerConfig.builder()
                .listen(new InetSocketAddress("127.0.0.1", 0)).noManagement()
                .mode(IdentificationMode.PROXY).sharedSecret(secret).build(), directory, new InMemoryPasswordStore())) {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(), "HmacSHA256"));
            String tenant = template.get("project_id").asText();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.port() + "/openstack/latest/meta_data.json"))
                    .header("X-Instance-ID", first).header("X-Tenant-ID", tenant)
                    .header("X-Instance-ID-Signature", HexFormat.of().formatHex(mac.doFinal(first.getBytes()))).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200 || !r.body().contains(first)) {
                throw new IllegalStateException("served wrongly: " + r.statusCode() + " " + r.body());
            }
            long used = usedAfterGc();
            System.out.printf("instances %d%nbuild_ms %d%nheap_used_mb %.1f%nbaseline_mb %.1f%nper_instance_kb %.2f%n",
                    n, buildMs, used / 1048576.0, base / 1048576.0, (used - base) / 1024.0 / n);
            System.out.println("ready");
            System.in.read(); // the caller takes its histogram now
            if (byUuid.size() != n || byAddress.isEmpty()) {
                throw new IllegalStateException();
            }
        }
    }

    private static long usedAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
