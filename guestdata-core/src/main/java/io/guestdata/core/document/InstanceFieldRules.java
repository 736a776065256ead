package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The instance's own scalar fields (instance-document.md table): identity, naming, placement and
 * the EC2 fields. Each method reads one member, reports what is wrong and returns the value only
 * when it is valid.
 */
final class InstanceFieldRules {

    /** Most characters of the free-text identifiers (Nova's DB columns are VARCHAR(255)). */
    static final int MAX_TEXT = 255;
    /** RFC 4122 §3 textual form, hex digits of either case. */
    static final Pattern UUID_TEXT = Pattern.compile(
            "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
    private static final Pattern HOSTNAME = Pattern.compile(Hostnames.PATTERN);
    private static final Pattern RESERVATION_ID = Pattern.compile(ReservationIds.PATTERN);
    private static final BigInteger MAX_LAUNCH_INDEX = BigInteger.valueOf(Integer.MAX_VALUE);

    private InstanceFieldRules() {
    }

    /** {@code uuid}: required, RFC 4122 text of any case, normalised to lowercase. */
    static Optional<UUID> uuid(Members members) {
        return members.string("uuid", true).flatMap(text -> {
            if (!UUID_TEXT.matcher(text).matches()) {
                members.errors().add(members.at("uuid"), "uuid.format",
                        "'" + abbreviate(text) + "' is not a UUID in RFC 4122 form (8-4-4-4-12 hex digits)");
                return Optional.empty();
            }
            return Optional.of(UUID.fromString(text.toLowerCase(Locale.ROOT)));
        });
    }

    /** {@code name}: required, Nova's server name rule ({@link ServerNames}). */
    static Optional<String> name(Members members) {
        return members.string("name", true).filter(name -> {
            Optional<NameProblem> problem = ServerNames.check(name);
            problem.ifPresent(p -> p.report(members.errors(), members.at("name"), "name"));
            return problem.isEmpty();
        });
    }

    /** {@code hostname}: Nova ≥ 2.90, 2..63 characters of {@link Hostnames#PATTERN}, kept as given. */
    static Optional<String> hostname(Members members) {
        return members.string("hostname", false).filter(hostname -> {
            int length = TextLength.of(hostname);
            if (length < Hostnames.MIN_LENGTH || length > Hostnames.MAX_LENGTH) {
                members.errors().add(members.at("hostname"), "hostname.length",
                        "must be " + Hostnames.MIN_LENGTH + " to " + Hostnames.MAX_LENGTH + " characters, is " + length,
                        length < Hostnames.MIN_LENGTH ? "at least 2 characters" : TextLength.characters(Hostnames.MAX_LENGTH));
                return false;
            }
            if (!HOSTNAME.matcher(hostname).matches()) {
                members.errors().add(members.at("hostname"), "hostname.pattern",
                        "'" + hostname + "' is not a host name: letters, digits and '-' only, starting and ending"
                                + " with a letter or digit (pattern ^" + Hostnames.PATTERN + "$)");
                return false;
            }
            return true;
        });
    }

    /** An optional free-text identifier ({@code project_id}, {@code image_id}…): 1..255 characters. */
    static Optional<String> text(Members members, String member) {
        return members.string(member, false).filter(text -> {
            int length = TextLength.of(text);
            if (length < 1 || length > MAX_TEXT) {
                members.errors().add(members.at(member), member + ".length",
                        "must be 1 to " + MAX_TEXT + " characters, is " + length,
                        length < 1 ? "at least 1 character" : TextLength.characters(MAX_TEXT));
                return false;
            }
            return true;
        });
    }

    /** {@code reservation_id}: Nova's EC2 form {@code r-} + 8 of {@code [0-9a-z]}. */
    static Optional<String> reservationId(Members members) {
        return members.string("reservation_id", false).filter(id -> {
            if (!RESERVATION_ID.matcher(id).matches()) {
                members.errors().add(members.at("reservation_id"), "reservation_id.pattern",
                        "'" + abbreviate(id) + "' is not an EC2 reservation id: 'r-' then 8 of 0-9 a-z",
                        "8 characters after 'r-'");
                return false;
            }
            return true;
        });
    }

    /** {@code launch_index}: an integer from 0 to 2147483647. */
    static Optional<Integer> launchIndex(Members members) {
        return members.integer("launch_index").flatMap(node -> {
            BigInteger value = node.bigIntegerValue();
            if (value.signum() < 0 || value.compareTo(MAX_LAUNCH_INDEX) > 0) {
                members.errors().add(members.at("launch_index"), "launch_index.range",
                        "must be from 0 to " + Integer.MAX_VALUE + ", is " + value,
                        value.signum() < 0 ? "at least 0" : "at most " + Integer.MAX_VALUE);
                return Optional.empty();
            }
            return Optional.of(value.intValue());
        });
    }

    /** {@code security_groups}: an array of 1..255-character strings. */
    static Optional<List<String>> securityGroups(Members members) {
        Optional<ArrayNode> array = members.array("security_groups", false);
        if (array.isEmpty()) {
            return Optional.empty();
        }
        List<String> groups = new ArrayList<>();
        boolean valid = true;
        DocumentPointer at = members.at("security_groups");
        for (int i = 0; i < array.get().size(); i++) {
            JsonNode item = array.get().get(i);
            if (!item.isTextual()) {
                members.errors().add(at.element(i), "security_groups.item.type",
                        "a security group must be a string, is " + JsonTypes.describe(item));
                valid = false;
                continue;
            }
            int length = TextLength.of(item.textValue());
            if (length < 1 || length > MAX_TEXT) {
                members.errors().add(at.element(i), "security_groups.item.length",
                        "a security group name must be 1 to " + MAX_TEXT + " characters, is " + length,
                        length < 1 ? "at least 1 character" : TextLength.characters(MAX_TEXT));
                valid = false;
                continue;
            }
            groups.add(item.textValue());
        }
        return valid ? Optional.of(groups) : Optional.empty();
    }

    static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }
}
