package io.guestdata.drive.nocloud;

import com.fasterxml.jackson.databind.JsonNode;
import io.guestdata.drive.ImageException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The vendor data cloud-init takes from an OpenStack {@code vendor_data.json}, as the bytes of a NoCloud
 * {@code vendor-data} file. cloud-init 22.4's ConfigDrive datasource passes the parsed file through
 * {@code sources.convert_vendordata}: the {@code cloud-init} member of the object is the vendor data when
 * it is a string (used as is) or a non-empty list (each element a separate part for its
 * {@code UserDataProcessor}); anything else gives none (a false value silently, an object or number with
 * a warning in cloud-init's log).
 *
 * <p>NoCloud reads {@code vendor-data} as raw bytes, so a string is written as its UTF-8 bytes, and a list
 * as the one raw form that carries several parts: a MIME {@code multipart/mixed} message with one
 * {@code text/x-not-multipart} part per element, base64 encoded, which {@code UserDataProcessor} splits
 * into the same parts, typed by their first line, as it does the list. A list element that is not a
 * string, or that is itself a MIME message (cloud-init would parse it; inside a multipart it would stay
 * text), is refused.
 */
final class CloudInitVendorData {
    static final String MEMBER = "cloud-init";
    static final String BOUNDARY = "===============guestdata-vendor-data==";
    private static final int MIME_SNIFF_BYTES = 4096;

    private CloudInitVendorData() {
    }

    /**
     * @param vendorDataJson the parsed {@code vendor_data.json}
     * @param omitted        receives one line when the instance has vendor data cloud-init would ignore
     * @return the {@code vendor-data} file's bytes, or empty when cloud-init would take no vendor data
     */
    static Optional<byte[]> of(JsonNode vendorDataJson, List<String> omitted) throws ImageException {
        if (!NetworkConfigV1.truthy(vendorDataJson)) {
            return Optional.empty();
        }
        if (vendorDataJson.isTextual()) {
            return Optional.of(utf8(vendorDataJson.asText(), "vendor_data"));
        }
        if (vendorDataJson.isArray()) {
            return Optional.of(multipart(vendorDataJson, "vendor_data"));
        }
        if (!vendorDataJson.isObject()) {
            omitted.add("vendor data of type " + vendorDataJson.getNodeType().name().toLowerCase(Locale.ROOT)
                    + ": cloud-init ignores it");
            return Optional.empty();
        }
        JsonNode member = vendorDataJson.get(MEMBER);
        if (!NetworkConfigV1.truthy(member)) {
            return Optional.empty();
        }
        String at = "vendor_data/" + MEMBER;
        if (member.isTextual()) {
            return Optional.of(utf8(member.asText(), at));
        }
        if (member.isArray()) {
            return Optional.of(multipart(member, at));
        }
        omitted.add("vendor data \"" + MEMBER + "\" member of type " + member.getNodeType().name().toLowerCase(Locale.ROOT)
                + ": cloud-init ignores it too (convert_vendordata accepts only a string or a list)");
        return Optional.empty();
    }

    private static byte[] multipart(JsonNode list, String at) throws ImageException {
        StringBuilder mime = new StringBuilder();
        mime.append("Content-Type: multipart/mixed; boundary=\"").append(BOUNDARY).append("\"\n")
                .append("MIME-Version: 1.0\n\n");
        for (int i = 0; i < list.size(); i++) {
            JsonNode element = list.get(i);
            String pointer = at + "/" + i;
            if (!element.isTextual()) {
                throw new ImageException(pointer, "is " + element.getNodeType().name().toLowerCase(Locale.ROOT)
                        + "; cloud-init processes each element of a vendor data list as text and fails on anything else");
            }
            byte[] bytes = utf8(element.asText(), pointer);
            String head = new String(bytes, 0, Math.min(bytes.length, MIME_SNIFF_BYTES), StandardCharsets.ISO_8859_1);
            if (head.toLowerCase(Locale.ROOT).contains("mime-version:")) {
                throw new ImageException(pointer, "is a MIME message; a NoCloud seed carries a vendor data list as one "
                        + "MIME message and cannot nest it; give its parts as list elements, or the whole vendor data as "
                        + "one string");
            }
            mime.append("--").append(BOUNDARY).append('\n')
                    .append("Content-Type: text/x-not-multipart; charset=\"utf-8\"\n")
                    .append("MIME-Version: 1.0\n")
                    .append("Content-Transfer-Encoding: base64\n\n")
                    .append(Base64.getMimeEncoder(76, new byte[] {'\n'}).encodeToString(bytes)).append('\n');
        }
        mime.append("--").append(BOUNDARY).append("--\n");
        return mime.toString().getBytes(StandardCharsets.US_ASCII);
    }

    /** UTF-8, refusing what Python's {@code str.encode("utf-8")} refuses (an unpaired surrogate). */
    private static byte[] utf8(String text, String pointer) throws ImageException {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw new ImageException(pointer, String.format("contains the unpaired surrogate U+%04X at %d, which "
                        + "cloud-init cannot encode as UTF-8", (int) c, i));
            }
        }
        return text.getBytes(StandardCharsets.UTF_8);
    }
}
