package io.guestdata.inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;

/** Instance documents for the tests, parsed by the one parser. */
final class Instances {
    static final ObjectMapper JSON = new ObjectMapper();

    private Instances() {
    }

    /** {@code instances/inject.json}: two SSH keys, metadata, admin password, three links, three files. */
    static ObjectNode document() {
        try (InputStream in = Instances.class.getResourceAsStream("/instances/inject.json")) {
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Instance parse(ObjectNode doc) {
        try {
            return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()).parse(doc);
        } catch (InvalidDocumentException e) {
            throw new AssertionError("test document is invalid: " + e.getMessage(), e);
        }
    }

    static Instance full() {
        return parse(document());
    }
}
