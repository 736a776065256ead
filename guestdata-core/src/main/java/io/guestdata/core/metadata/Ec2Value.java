package io.guestdata.core.metadata;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of the EC2 metadata tree as Nova builds it in {@code get_ec2_metadata} (nova-compat.md §1.6):
 * Python dicts, strings, bytes, ints and lists of strings.
 */
sealed interface Ec2Value {

    /** A dict; keys in insertion order (the order {@code meta-data.json} on the config drive shows). */
    record Dict(Map<String, Ec2Value> entries) implements Ec2Value {
        public Dict {
            entries = Collections.unmodifiableMap(new LinkedHashMap<>(entries));
        }
    }

    record Text(String text) implements Ec2Value {
    }

    record Int(long value) implements Ec2Value {
    }

    record TextList(List<String> items) implements Ec2Value {
        public TextList {
            items = List.copyOf(items);
        }
    }

    /** Raw bytes (user data); the array is never handed out or changed. */
    record Raw(byte[] bytes) implements Ec2Value {
    }

    /** Python's {@code None}: JSON {@code null} on the config drive, {@code None} in the service (str()). */
    record PythonNone() implements Ec2Value {
    }

    /**
     * {@code local-ipv4} when the instance has no static IPv4 address: Nova answers with the requester's
     * address ({@code fixed_ip or self.address}); with no requester (config drive) that is {@code None}.
     */
    record RequesterAddress() implements Ec2Value {
    }
}
