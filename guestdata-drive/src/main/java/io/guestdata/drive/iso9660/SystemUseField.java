package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * Splits a record's System Use Entries between its System Use field (ECMA-119 §9.1.13) and one
 * Continuation Area (SUSP 1.12 §5.1).
 *
 * <p>Entries stay in order. When they all fit the field, there is no continuation. Otherwise the
 * field takes entries from the front while they leave room for the 28-byte {@code CE} entry, which
 * is recorded last in the field, and the rest go to the Continuation Area. The split depends only
 * on entry lengths, so the layout (before block numbers are known) and the writing (after) agree.
 * A Continuation Area never spans a logical block (at most 2048 bytes); with names limited to 255
 * bytes the longest is about 400 bytes, so one per record always suffices.
 */
record SystemUseField(List<SuspEntry> inline, List<SuspEntry> continuation) {
    static SystemUseField fit(List<SuspEntry> entries, int available) {
        int total = length(entries);
        if (total <= available) {
            return new SystemUseField(entries, List.of());
        }
        int used = 0;
        int count = 0;
        while (count < entries.size() && used + entries.get(count).length() + SuspEntry.CE_LENGTH <= available) {
            used += entries.get(count).length();
            count++;
        }
        List<SuspEntry> rest = entries.subList(count, entries.size());
        if (length(rest) > IsoImage.BLOCK) {
            throw new IllegalStateException("continuation area of " + length(rest) + " bytes");
        }
        return new SystemUseField(entries.subList(0, count), rest);
    }

    /** Bytes in the record's System Use field, including the {@code CE} entry when there is one. */
    int fieldLength() {
        return length(inline) + (continuation.isEmpty() ? 0 : SuspEntry.CE_LENGTH);
    }

    int continuationLength() {
        return length(continuation);
    }

    /** The System Use field's bytes; {@code ce} is recorded last when there is a continuation. */
    byte[] fieldBytes(SuspEntry ce) {
        ByteBuffer b = ByteBuffer.allocate(fieldLength());
        inline.forEach(e -> e.writeTo(b));
        if (!continuation.isEmpty()) {
            ce.writeTo(b);
        }
        return b.array();
    }

    byte[] continuationBytes() {
        ByteBuffer b = ByteBuffer.allocate(continuationLength());
        continuation.forEach(e -> e.writeTo(b));
        return b.array();
    }

    static int length(List<SuspEntry> entries) {
        int n = 0;
        for (SuspEntry e : entries) {
            n += e.length();
        }
        return n;
    }
}
