package io.guestdata.server.metadata;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.guestdata.core.Instance;
import io.guestdata.core.UserData;
import io.guestdata.core.metadata.DynamicVendorData;
import io.guestdata.core.metadata.PythonJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SequencedMap;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;

/**
 * Nova's {@code DynamicJSON} vendor data provider (nova-compat.md §4): for every render of
 * {@code vendor_data2.json}, each target gets a {@code POST} with the instance's facts, and its JSON answer
 * becomes that target's member. Nothing is cached.
 *
 * <p>The request is Nova's: headers {@code Content-Type: application/json}, {@code Accept: application/json},
 * {@code User-Agent: openstack-nova-vendordata}; body (Python {@code json.dumps} form)
 * {@code {"project-id", "instance-id", "image-id", "user-data", "hostname", "metadata", "boot-roles"}} — the
 * admin password is never sent. Timeouts are requests' pair: connect, then the longest wait for a byte.
 *
 * <p>A failure (connection error, timeout, status other than 2xx, a body that is not JSON) gives {@code {}},
 * or, with {@code failureFatal}, fails the request (Nova re-raises: a 500). Differences from Nova: no
 * keystone token ({@code [vendordata_dynamic_auth]}) is sent; redirects are not followed; answers over
 * {@value #MAX_ANSWER_BYTES} bytes are failures; the process's proxy settings are not used.
 */
final class DynamicVendorDataClient implements DynamicVendorData {
    static final int MAX_ANSWER_BYTES = 1 << 20;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final System.Logger LOG = System.getLogger(DynamicVendorDataClient.class.getName());

    private final List<VendorDataTarget> targets;
    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final boolean failureFatal;
    private final SSLContext tls;
    private final ServiceMetrics metrics;

    /** A target failed and failures are fatal. */
    static final class TargetFailure extends RuntimeException {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        TargetFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    DynamicVendorDataClient(List<VendorDataTarget> targets, Duration connectTimeout, Duration readTimeout,
                            boolean failureFatal, SSLContext tls, ServiceMetrics metrics) {
        this.targets = List.copyOf(targets);
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
        this.readTimeout = Objects.requireNonNull(readTimeout, "readTimeout");
        this.failureFatal = failureFatal;
        this.tls = tls;
        this.metrics = metrics;
    }

    @Override
    public SequencedMap<String, JsonNode> fetch(Instance instance) {
        byte[] body = requestBody(instance);
        SequencedMap<String, JsonNode> out = new LinkedHashMap<>();
        for (VendorDataTarget target : targets) {
            if (out.containsKey(target.name())) {
                continue;
            }
            JsonNode answer;
            try {
                answer = post(target, body);
                metrics.vendorData(target.name(), "ok");
            } catch (IOException | TargetAnswerException e) {
                metrics.vendorData(target.name(), "failed");
                LOG.log(System.Logger.Level.WARNING, "dynamic vendor data target {0} at {1} failed for instance {2}: {3}",
                        target.name(), target.url(), instance.uuid(), e.toString());
                if (failureFatal) {
                    throw new TargetFailure("dynamic vendor data target " + target.name() + " failed", e);
                }
                answer = JsonNodeFactory.instance.objectNode();
            }
            out.put(target.name(), answer);
        }
        return out;
    }

    /** Nova's {@code DynamicVendorData._do_request} body, serialised as {@code jsonutils.dumps} does. */
    static byte[] requestBody(Instance instance) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        putOrNull(body, "project-id", instance.projectId().orElse(null));
        body.put("instance-id", instance.uuid().toString());
        body.put("image-id", instance.imageId().orElse("")); // Nova's image_ref is '' without an image
        putOrNull(body, "user-data", instance.userData().map(UserData::base64).orElse(null));
        body.put("hostname", instance.hostname());
        ObjectNode metadata = body.putObject("metadata");
        for (Map.Entry<String, String> e : instance.metadata().entrySet()) {
            metadata.put(e.getKey(), e.getValue());
        }
        body.put("boot-roles", ""); // the roles of the creating request: unknown here, as for Nova without them
        return PythonJson.dumpsUtf8(body);
    }

    private static void putOrNull(ObjectNode node, String key, String value) {
        if (value == null) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }

    private JsonNode post(VendorDataTarget target, byte[] body) throws IOException, TargetAnswerException {
        HttpURLConnection c = (HttpURLConnection) target.url().toURL().openConnection(Proxy.NO_PROXY);
        try {
            if (c instanceof HttpsURLConnection https && tls != null) {
                https.setSSLSocketFactory(tls.getSocketFactory());
            }
            c.setConnectTimeout(millis(connectTimeout));
            c.setReadTimeout(millis(readTimeout));
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setFixedLengthStreamingMode(body.length);
            c.setRequestProperty("Content-Type", "application/json");
            c.setRequestProperty("Accept", "application/json");
            c.setRequestProperty("User-Agent", "openstack-nova-vendordata");
            try (OutputStream out = c.getOutputStream()) {
                out.write(body);
            }
            int status = c.getResponseCode();
            if (status < 200 || status > 299) {
                drain(c.getErrorStream());
                throw new TargetAnswerException("HTTP " + status);
            }
            byte[] answer;
            try (InputStream in = c.getInputStream()) {
                answer = in.readNBytes(MAX_ANSWER_BYTES + 1);
            }
            if (answer.length > MAX_ANSWER_BYTES) {
                throw new TargetAnswerException("answer longer than " + MAX_ANSWER_BYTES + " bytes");
            }
            if (answer.length == 0) {
                return JsonNodeFactory.instance.objectNode(); // Nova: an empty body is {}
            }
            try {
                return MAPPER.readTree(answer);
            } catch (JsonProcessingException e) {
                throw new TargetAnswerException("answer is not JSON: " + e.getOriginalMessage());
            }
        } finally {
            c.disconnect();
        }
    }

    private static void drain(InputStream in) throws IOException {
        if (in != null) {
            try (in) {
                in.skipNBytes(Math.min(in.available(), MAX_ANSWER_BYTES));
            }
        }
    }

    private static int millis(Duration d) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, d.toMillis()));
    }

    /** An answer that is not usable vendor data. */
    static final class TargetAnswerException extends Exception {
        @java.io.Serial
        private static final long serialVersionUID = 1L;

        TargetAnswerException(String message) {
            super(message);
        }
    }
}
