package io.guestdata.core.metadata;

import io.guestdata.core.Instance;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The EC2-style identifiers a guest sees ({@code instance-id}, {@code ami-id}, {@code kernel-id},
 * {@code ramdisk-id}). Nova allocates them from database sequences ({@code ec2_instance_mappings},
 * {@code s3_images}); we derive them deterministically instead, so every delivery path shows the same values
 * without shared state.
 */
public record Ec2Ids(String instanceId, Optional<String> amiId, Optional<String> kernelId, Optional<String> ramdiskId) {

    private static final Pattern AMI = Pattern.compile("^ami-[0-9a-f]{8,}$");
    private static final Pattern AKI = Pattern.compile("^aki-[0-9a-f]{8,}$");
    private static final Pattern ARI = Pattern.compile("^ari-[0-9a-f]{8,}$");
    private static final Pattern HEX8 = Pattern.compile("^[0-9a-fA-F]{8}$");

    public Ec2Ids {
        Objects.requireNonNull(instanceId, "instanceId");
        Objects.requireNonNull(amiId, "amiId");
        Objects.requireNonNull(kernelId, "kernelId");
        Objects.requireNonNull(ramdiskId, "ramdiskId");
    }

    /**
     * Stable ids for an instance: {@code i-%08x} of the uuid's top 32 bits; for the image references, the
     * value itself when it already is an id of the right kind ({@code ami-…}, {@code aki-…}, {@code ari-…}
     * with at least 8 lowercase hex digits); else, for a reference that starts with 8 hex digits (a Glance
     * image UUID), {@code <kind>-} and those 8 digits, so an operator can tell which image an id names;
     * else {@code <kind>-%08x} of the first 4 bytes of the SHA-256 of the reference (UTF-8);
     * no {@code ami-id} (Nova shows None) when there is no image.
     */
    public static Ec2Ids derive(Instance instance) {
        String instanceId = String.format("i-%08x", instance.uuid().getMostSignificantBits() >>> 32);
        Optional<String> amiId = instance.imageId().map(ref -> imageId("ami", AMI, ref));
        return new Ec2Ids(instanceId, amiId,
                instance.kernelId().map(ref -> imageId("aki", AKI, ref)),
                instance.ramdiskId().map(ref -> imageId("ari", ARI, ref)));
    }

    private static String imageId(String kind, Pattern alreadyAnId, String reference) {
        if (alreadyAnId.matcher(reference).matches()) {
            return reference;
        }
        String head = reference.replace("-", "");
        if (head.length() >= 8 && HEX8.matcher(head.substring(0, 8)).matches()) {
            return kind + "-" + head.substring(0, 8).toLowerCase(java.util.Locale.ROOT);
        }
        byte[] digest = sha256(reference.getBytes(StandardCharsets.UTF_8));
        long top = ((digest[0] & 0xffL) << 24) | ((digest[1] & 0xffL) << 16) | ((digest[2] & 0xffL) << 8)
                | (digest[3] & 0xffL);
        return String.format("%s-%08x", kind, top);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
