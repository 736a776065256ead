package io.guestdata.server.metadata;

import io.guestdata.core.Instance;
import io.guestdata.core.KeyPair;
import io.guestdata.store.StoredInstance;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;
import java.util.UUID;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * One version of an instance as {@link StoreInstanceDirectory}'s index keeps it (the {@code metadata-index-documents}
 * setting), so that its tree is built without reading the store: the instance document exactly as stored and the key
 * pair kept with the version (what {@link StoredInstance#parse} needs to give the same {@link Instance}), compressed
 * together with raw DEFLATE (RFC 1951, {@link Deflater}), and the instance's EC2 id. The bytes come from a read the
 * index makes anyway (the listing when it loads, the instance read when a change is applied).
 *
 * <p>Raw DEFLATE at the default level (6): examples/instance.json's 3,280 bytes are kept in 1,642 bytes of heap (1,602
 * compressed), a 293-byte test document in 226; level 1 is 5% larger for half the time (~20 against ~45 µs a
 * document, measured on the loaded 2-core machine: ~4.5 s of CPU more to open 100,000 instances), level 9 no
 * smaller. Framing before the document: a flag byte, then the kept key pair's name, type,
 * public key and fingerprint (each a 4-byte length and its UTF-8 bytes) when the flag is 1.
 */
final class IndexedDocument {
    private final byte[] deflated;
    private final int length;
    private final long ec2InstanceId;

    private IndexedDocument(byte[] deflated, int length, long ec2InstanceId) {
        this.deflated = deflated;
        this.length = length;
        this.ec2InstanceId = ec2InstanceId;
    }

    /** A stored version, compressed; {@code ec2InstanceId} is the store's id of the instance (i-%08x). */
    static IndexedDocument of(StoredInstance stored, long ec2InstanceId) {
        byte[] framed = frame(stored.keptKeyPair(), stored.document());
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try {
            deflater.setInput(framed);
            deflater.finish();
            byte[] out = new byte[framed.length + 64]; // DEFLATE's stored blocks add 5 bytes per 64 KiB at worst
            int n = 0;
            while (!deflater.finished()) {
                if (n == out.length) {
                    out = Arrays.copyOf(out, out.length * 2);
                }
                n += deflater.deflate(out, n, out.length - n);
            }
            return new IndexedDocument(Arrays.copyOf(out, n), framed.length, ec2InstanceId);
        } finally {
            deflater.end();
        }
    }

    /** The instance this version parses to, as the store reads it back. */
    Instance instance(UUID uuid, long version) {
        byte[] framed = new byte[length];
        Inflater inflater = new Inflater(true);
        try {
            inflater.setInput(deflated);
            int n = 0;
            while (n < length) {
                int read = inflater.inflate(framed, n, length - n);
                if (read == 0 && (inflater.finished() || inflater.needsInput())) {
                    throw new IllegalStateException("the indexed document of " + uuid + " version " + version
                            + " inflates to " + n + " bytes, not " + length);
                }
                n += read;
            }
        } catch (DataFormatException e) {
            throw new IllegalStateException("the indexed document of " + uuid + " version " + version
                    + " does not inflate: " + e.getMessage(), e);
        } finally {
            inflater.end();
        }
        try (DataInputStream in = new DataInputStream(new java.io.ByteArrayInputStream(framed))) {
            Optional<KeyPair> kept = in.readBoolean()
                    ? Optional.of(new KeyPair(text(in), text(in), text(in), text(in)))
                    : Optional.empty();
            return StoredInstance.parse(uuid, version, in.readAllBytes(), kept);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    long ec2InstanceId() {
        return ec2InstanceId;
    }

    /** The heap this takes: the compressed bytes with their array header, and this object. */
    long bytes() {
        return 16L + deflated.length + 24;
    }

    private static String text(DataInputStream in) throws IOException {
        return new String(in.readNBytes(in.readInt()), StandardCharsets.UTF_8);
    }

    private static byte[] frame(Optional<KeyPair> kept, byte[] document) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(document.length + 1024);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeBoolean(kept.isPresent());
            if (kept.isPresent()) {
                for (String text : new String[] {kept.get().name(), kept.get().type(), kept.get().publicKey(),
                        kept.get().fingerprint()}) {
                    byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                    out.writeInt(utf8.length);
                    out.write(utf8);
                }
            }
            out.write(document);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return bytes.toByteArray();
    }
}
