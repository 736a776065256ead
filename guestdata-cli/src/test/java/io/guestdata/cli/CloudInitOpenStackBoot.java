package io.guestdata.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.function.LongSupplier;

/**
 * One guest booting: the requests cloud-init 22.4's OpenStack datasource makes, in its order, with its retry
 * policy (read from {@code cloudinit/sources/DataSourceOpenStack.py}, {@code sources/helpers/openstack.py},
 * {@code sources/helpers/ec2.py} and {@code url_helper.py}), each answer checked against the guest's own instance.
 *
 * <ol>
 *   <li>{@code GET /openstack} ({@code wait_for_metadata_service}: {@code wait_for_url} with the datasource's
 *       {@code max_wait} of -1, i.e. <b>one try</b>, timeout 10 s): anything but a non-empty 2xx and the datasource is
 *       not found;</li>
 *   <li>{@code GET /openstack} again ({@code _fetch_available_versions}), the newest of cloud-init's
 *       {@code OS_VERSIONS} listed is used, {@code latest} when the read fails;</li>
 *   <li>{@code meta_data.json} (required), {@code user_data}, {@code vendor_data.json}, {@code vendor_data2.json},
 *       {@code network_data.json} (optional) of that version;</li>
 *   <li>the EC2 crawl ({@code ec2.get_instance_metadata}, API 2009-04-04): {@code /2009-04-04/meta-data/}, then
 *       its children ({@code …/}) depth first, then its leaves, as {@code MetadataMaterializer} walks them
 *       ({@code 0=name} under {@code public-keys/} is read as {@code 0/openssh-key}).</li>
 * </ol>
 *
 * <p>Retries ({@code readurl(retries=5, timeout=10, sec_between=1)}): 6 tries a second apart. The OpenStack reads
 * ({@code MetadataReader._path_read}'s {@code should_retry_cb}) retry only failures without a status (refused,
 * reset, timeout): any status of 400 or more ends the read at once, so a 5xx on {@code meta_data.json} fails the
 * datasource and one on an optional file makes cloud-init boot without it. The EC2 crawl retries every failure,
 * statuses included. {@link #FAILURE} records the first answer cloud-init would not have accepted, or data that is
 * not this instance's current version.
 */
final class CloudInitOpenStackBoot {
    /** cloud-init 22.4 {@code openstack.OS_VERSIONS}, newest first. */
    static final List<String> OS_VERSIONS = List.of("2018-08-27", "2017-02-22", "2016-10-06", "2016-06-30",
            "2015-10-15", "2013-10-17", "2013-04-04", "2012-08-10");
    /** {@code DataSource.url_timeout}, {@code url_retries}, {@code url_sec_between_retries}. */
    static final int TIMEOUT_MS = 10_000;
    static final int TRIES = 6;
    static final int SLEEP_MS = 1_000;
    /** The longest a guest's reads can take before cloud-init gives up on one: 6 tries of 10 s, 1 s apart. */
    static final long RETRY_BUDGET_MS = TRIES * (long) TIMEOUT_MS + (TRIES - 1) * (long) SLEEP_MS;
    static final String FAILURE = "cloud-init would fail: ";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** What the guest needs to know about its instance: its address, uuid, name, and the generation to expect. */
    record Guest(String address, UUID uuid, String name, LongSupplier committedGeneration) {}

    /** A guest's boot: the requests sent (tries included), how many were retried, and how long it took. */
    record Result(Guest guest, long startNanos, long lastRequestNanos, int requests, int retries, long millis,
                  String failure, List<String> trace) {
        boolean ok() {
            return failure == null;
        }
    }

    private record Answer(int status, String body) {}

    private final String host;
    private final int port;
    private final Guest guest;
    private final List<String> trace = new ArrayList<>();
    private int requests;
    private int retries;
    private long lastRequest;

    private CloudInitOpenStackBoot(String host, int port, Guest guest) {
        this.host = host;
        this.port = port;
        this.guest = guest;
    }

    /** Boots {@code guest} against the metadata service at {@code host:port}. */
    static Result boot(String host, int port, Guest guest) {
        CloudInitOpenStackBoot boot = new CloudInitOpenStackBoot(host, port, guest);
        long start = System.nanoTime();
        String failure = null;
        try {
            boot.run();
        } catch (Failed e) {
            failure = e.getMessage();
        }
        return new Result(guest, start, boot.lastRequest, boot.requests, boot.retries, (System.nanoTime() - start) / 1_000_000, failure,
                boot.trace);
    }

    private void run() throws Failed {
        Answer probe = once("/openstack");
        if (probe == null || probe.status / 100 != 2 || probe.body.isEmpty()) {
            throw new Failed("the first GET /openstack (one try) got " + describe(probe));
        }
        String version = "latest";
        Answer versions = openStackRead("/openstack");
        if (versions != null && versions.status == 200) {
            List<String> listed = versions.body.lines().map(String::strip).toList();
            version = OS_VERSIONS.stream().filter(listed::contains).findFirst().orElse("latest");
        }
        String base = "/openstack/" + version + "/";
        long expected = guest.committedGeneration().getAsLong();
        Answer meta = openStackRead(base + "meta_data.json");
        if (meta == null || meta.status != 200) {
            throw new Failed("required " + base + "meta_data.json got " + describe(meta));
        }
        checkMetaData(meta.body, expected);
        String hostname = field(meta.body, "hostname");
        for (String optional : List.of("user_data", "vendor_data.json", "vendor_data2.json", "network_data.json")) {
            Answer a = openStackRead(base + optional);
            // the instances have no user data: Nova's 404 is the right answer, which cloud-init takes as "none"
            int wanted = optional.equals("user_data") ? 404 : 200;
            if (a == null || a.status != wanted) {
                throw new Failed("optional " + base + optional + " (cloud-init boots without it) got " + describe(a));
            }
            if (optional.equals("network_data.json") && !a.body.contains("\"" + guest.address() + "\"")) {
                throw new Failed("network_data.json is not this guest's: " + a.body);
            }
        }
        crawl("/2009-04-04/meta-data/", hostname);
    }

    private void checkMetaData(String body, long expected) throws Failed {
        JsonNode md;
        try {
            md = JSON.readTree(body);
        } catch (IOException e) {
            throw new Failed("meta_data.json is not JSON: " + body);
        }
        if (!guest.uuid().toString().equals(md.path("uuid").asText()) || !guest.name().equals(md.path("name").asText())) {
            throw new Failed("meta_data.json of another instance: uuid " + md.path("uuid").asText() + ", name "
                    + md.path("name").asText() + " (this guest is " + guest.uuid() + " " + guest.name() + ")");
        }
        long generation = md.path("meta").path("generation").asLong(-1);
        if (generation < expected) {
            throw new Failed("meta_data.json of an old version: generation " + generation + ", committed before the "
                    + "request: " + expected);
        }
    }

    private static String field(String json, String name) {
        try {
            return JSON.readTree(json).path(name).asText();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code MetadataMaterializer._materialize}: children first (depth first), then leaves. */
    private void crawl(String path, String hostname) throws Failed {
        Answer listing = ec2Read(path);
        List<String> children = new ArrayList<>();
        List<String> leaves = new ArrayList<>();
        for (String line : listing.body.lines().map(String::strip).toList()) {
            String name = line.endsWith("/") ? line.replaceAll("/+$", "") : line;
            if (line.isEmpty() || name.isEmpty() || name.equals("security-credentials")) {
                continue;
            }
            if (line.endsWith("/")) {
                if (!children.contains(name)) {
                    children.add(name);
                }
            } else {
                String[] parts = line.split("=", 2);
                leaves.add(parts.length > 1 && parts[0].matches("-?\\d+") ? parts[0] + "/openssh-key" : name);
            }
        }
        for (String child : children) {
            crawl(path + child + "/", hostname);
        }
        for (String leaf : leaves) {
            Answer a = ec2Read(path + leaf);
            if (path.equals("/2009-04-04/meta-data/") && leaf.equals("local-ipv4") && !a.body.equals(guest.address())) {
                throw new Failed("EC2 local-ipv4 is " + a.body + ", not this guest's " + guest.address());
            }
            if (path.equals("/2009-04-04/meta-data/") && leaf.equals("hostname") && !a.body.startsWith(hostname)) {
                throw new Failed("EC2 hostname " + a.body + " is not this instance's " + hostname);
            }
        }
    }

    /** An OpenStack read: retried only when there is no status. {@code null} after six failures without one. */
    private Answer openStackRead(String path) throws Failed {
        for (int attempt = 1; ; attempt++) {
            Answer a = once(path);
            if (a != null || attempt == TRIES) {
                return a;
            }
            pause();
        }
    }

    /** An EC2 read: every failure retried; after six, cloud-init drops the whole EC2 metadata (a failure here). */
    private Answer ec2Read(String path) throws Failed {
        Answer a = null;
        for (int attempt = 1; attempt <= TRIES; attempt++) {
            a = once(path);
            if (a != null && a.status == 200) {
                return a;
            }
            if (attempt < TRIES) {
                pause();
            }
        }
        throw new Failed("EC2 " + path + " failed 6 times, last " + describe(a));
    }

    private void pause() throws Failed {
        retries++;
        try {
            Thread.sleep(SLEEP_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Failed("interrupted");
        }
    }

    /**
     * One request on a new connection from the guest's address (cloud-init opens a {@code requests.Session} per
     * read); {@code null} when it fails without a status (refused, reset, 10 s timeout), as {@code requests} raises.
     */
    private Answer once(String path) {
        requests++;
        long start = System.nanoTime();
        lastRequest = start;
        try (Socket s = new Socket()) {
            s.bind(new InetSocketAddress(guest.address(), 0));
            s.connect(new InetSocketAddress(host, port), TIMEOUT_MS);
            s.setSoTimeout(TIMEOUT_MS);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 169.254.169.254\r\nUser-Agent: Cloud-Init/22.4"
                    + "\r\nAccept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            Answer a = read(s.getInputStream());
            trace.add(String.format(Locale.ROOT, "%s %d %d ms", path, a.status, ms(start)));
            return a;
        } catch (IOException e) {
            trace.add(String.format(Locale.ROOT, "%s %s %d ms", path, e, ms(start)));
            return null;
        }
    }

    private static long ms(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }

    private static Answer read(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all); // Connection: close: the answer ends with the connection
        String text = all.toString(StandardCharsets.UTF_8);
        int end = text.indexOf("\r\n\r\n");
        if (!text.startsWith("HTTP/1.") || end < 0) {
            throw new IOException("no HTTP answer: " + text);
        }
        int status = Integer.parseInt(text.substring(9, 12));
        String head = text.substring(0, end).toLowerCase(Locale.ROOT);
        String body = text.substring(end + 4);
        int cl = head.indexOf("\r\ncontent-length:");
        if (cl >= 0) {
            int length = Integer.parseInt(head.substring(cl + 17, head.indexOf("\r\n", cl + 2) < 0 ? head.length()
                    : head.indexOf("\r\n", cl + 2)).strip());
            if (body.getBytes(StandardCharsets.UTF_8).length != length) {
                throw new IOException("answer truncated: " + body.length() + " of " + length + " bytes");
            }
        }
        return new Answer(status, body);
    }

    private static String describe(Answer a) {
        return a == null ? "no answer in 6 tries (refused, reset or timed out)"
                : a.status + " " + (a.body.length() > 200 ? a.body.substring(0, 200) + "…" : a.body);
    }

    private static final class Failed extends Exception {
        Failed(String message) {
            super(FAILURE + message);
        }
    }
}
