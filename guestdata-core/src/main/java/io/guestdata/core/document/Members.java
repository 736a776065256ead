package io.guestdata.core.document;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The members of one JSON object of the document (RFC 8259 §4 calls an object's name/value pairs
 * "members"), read with their expected JSON types. A member that is missing when required, or of
 * the wrong type, is reported and read as empty, so the walk goes on and finds the other errors.
 * Rule ids are {@code <prefix>.<member>.<check>}: {@code uuid.required}, {@code files.path.type}.
 */
final class Members {

    private final ObjectNode object;
    private final DocumentPointer at;
    private final String rulePrefix;
    private final DocumentErrors errors;

    /**
     * @param rulePrefix the rule id of the object itself ({@code ""} for the document,
     *                   {@code files}, {@code network_data.networks})
     */
    Members(ObjectNode object, DocumentPointer at, String rulePrefix, DocumentErrors errors) {
        this.object = object;
        this.at = at;
        this.rulePrefix = rulePrefix;
        this.errors = errors;
    }

    DocumentPointer at(String member) {
        return at.member(member);
    }

    String rule(String member, String check) {
        return ruleOf(member) + "." + check;
    }

    /** The rule prefix of a member: {@code network_data.networks} + {@code routes}. */
    String ruleOf(String member) {
        return (rulePrefix.isEmpty() ? "" : rulePrefix + ".") + member;
    }

    DocumentErrors errors() {
        return errors;
    }

    /** Reports every member not in {@code known}, under {@code rule}. */
    void rejectUnknown(Set<String> known, String rule) {
        for (Map.Entry<String, JsonNode> member : object.properties()) {
            String name = member.getKey();
            if (!known.contains(name)) {
                errors.add(at(name), rule, "unknown field '" + name + "'; the fields allowed here are "
                        + String.join(", ", new TreeSet<>(known)));
            }
        }
    }

    Optional<JsonNode> node(String member, boolean required) {
        JsonNode value = object.get(member);
        if (value == null) {
            if (required) {
                errors.add(at(member), rule(member, "required"), "the required field '" + member + "' is missing");
            }
            return Optional.empty();
        }
        return Optional.of(value);
    }

    Optional<String> string(String member, boolean required) {
        return typed(member, required, JsonNode::isTextual, "a string").map(JsonNode::textValue);
    }

    Optional<ObjectNode> object(String member, boolean required) {
        return typed(member, required, JsonNode::isObject, "an object").map(ObjectNode.class::cast);
    }

    Optional<ArrayNode> array(String member, boolean required) {
        return typed(member, required, JsonNode::isArray, "an array").map(ArrayNode.class::cast);
    }

    Optional<Boolean> bool(String member) {
        return typed(member, false, JsonNode::isBoolean, "a boolean (true or false)").map(JsonNode::booleanValue);
    }

    /**
     * An integer in JSON Schema's sense: a number with no fractional part, so {@code 3.0} counts
     * (JSON Schema 2020-12 Validation §6.1.1, as python-jsonschema applies it).
     */
    Optional<JsonNode> integer(String member) {
        return typed(member, false, n -> n.isIntegralNumber() || (n.isNumber() && n.canConvertToExactIntegral()),
                "an integer");
    }

    private Optional<JsonNode> typed(String member, boolean required,
                                     java.util.function.Predicate<JsonNode> isType, String expected) {
        Optional<JsonNode> value = node(member, required);
        if (value.isPresent() && !isType.test(value.get())) {
            errors.add(at(member), rule(member, "type"),
                    "must be " + expected + ", is " + JsonTypes.describe(value.get()));
            return Optional.empty();
        }
        return value;
    }
}
