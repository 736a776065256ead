package io.guestdata.drive.iso9660;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The Rock Ridge Interchange Protocol entries this writer records (RRIP 1.12 §4.1), each a
 * {@link SuspEntry}. They follow the 1991A form genisoimage writes and Linux, xorriso, isoinfo and
 * pycdlib read: {@code PX} without the file serial number (36 bytes), announced by an {@code ER}
 * entry with identifier {@code RRIP_1991A}. The obsolete {@code RR} entry (RRIP 1.09) is not
 * written; readers do not need it.
 */
final class RockRidgeEntries {
    /** RRIP §4.3 {@code ER} identifier, descriptor and source, as genisoimage records them. */
    static final String ER_IDENTIFIER = "RRIP_1991A";
    static final String ER_DESCRIPTOR = "THE ROCK RIDGE INTERCHANGE PROTOCOL PROVIDES SUPPORT FOR POSIX FILE SYSTEM SEMANTICS";
    static final String ER_SOURCE = "PLEASE CONTACT DISC PUBLISHER FOR SPECIFICATION SOURCE.  "
            + "SEE PUBLISHER IDENTIFIER IN PRIMARY VOLUME DESCRIPTOR FOR CONTACT INFORMATION.";

    /** {@code S_IFREG | 0444}: what {@code genisoimage -r} records for a file without execute bits. */
    static final int FILE_MODE = 0100444;
    /** {@code S_IFDIR | 0555}: what {@code genisoimage -r} records for every directory. */
    static final int DIRECTORY_MODE = 040555;

    /** NM entry flags (RRIP 1.12 §4.1.4). */
    private static final int NM_CONTINUE = 1;
    /** Name bytes per NM entry: 255 less the 5-byte header (signature, length, version, flags). */
    static final int NM_MAX_NAME_BYTES = SuspEntry.MAX_LENGTH - SuspEntry.HEADER - 1;
    /** TF flags (RRIP 1.12 §4.1.6): modify, access and attributes times, 7-byte form. */
    private static final int TF_MODIFY_ACCESS_ATTRIBUTES = 0x02 | 0x04 | 0x08;

    private RockRidgeEntries() {
    }

    static SuspEntry extensionsReference() {
        return SuspEntry.extensionsReference(ER_IDENTIFIER, ER_DESCRIPTOR, ER_SOURCE, 1);
    }

    /**
     * RRIP 1.12 §4.1.1 {@code PX}, POSIX file attributes: mode, links, user and group id, each
     * a both-byte-order 32-bit number. Owner and group are 0 as with {@code genisoimage -r}.
     */
    static SuspEntry posixAttributes(int mode, long links) {
        ByteBuffer b = ByteBuffer.allocate(32);
        BothByteOrder.putInt32(b, mode);
        BothByteOrder.putInt32(b, links);
        BothByteOrder.putInt32(b, 0);
        BothByteOrder.putInt32(b, 0);
        return new SuspEntry("PX", 1, b.array());
    }

    /**
     * RRIP 1.12 §4.1.4 {@code NM}, the alternate (real) name as bytes. A name longer than one entry
     * holds is split over several entries, all but the last with the CONTINUE flag; splits fall on
     * UTF-8 character boundaries (readers concatenate bytes, but this keeps each piece valid text).
     */
    static List<SuspEntry> alternateName(byte[] name) {
        List<SuspEntry> entries = new ArrayList<>();
        int start = 0;
        do {
            int end = Math.min(name.length, start + NM_MAX_NAME_BYTES);
            while (end < name.length && end > start && (name[end] & 0xC0) == 0x80) {
                end--; // do not start the next piece inside a UTF-8 sequence
            }
            byte[] data = new byte[1 + end - start];
            data[0] = (byte) (end < name.length ? NM_CONTINUE : 0);
            System.arraycopy(name, start, data, 1, end - start);
            entries.add(new SuspEntry("NM", 1, data));
            start = end;
        } while (start < name.length);
        return entries;
    }

    /** RRIP 1.12 §4.1.6 {@code TF}: modify, access and attribute change time, all {@code time}. */
    static SuspEntry timestamps(IsoDateTime time) {
        ByteBuffer b = ByteBuffer.allocate(1 + 3 * 7);
        b.put((byte) TF_MODIFY_ACCESS_ATTRIBUTES);
        for (int i = 0; i < 3; i++) {
            time.putDirectoryRecordForm(b);
        }
        return new SuspEntry("TF", 1, b.array());
    }

    /**
     * RRIP 1.12 §4.1.5.1 {@code CL}: this (file) record stands for a directory relocated to
     * {@code block} because it lies deeper than ECMA-119 §6.8.2.1 allows.
     */
    static SuspEntry childLink(long block) {
        return blockEntry("CL", block);
    }

    /** RRIP 1.12 §4.1.5.2 {@code PL}: in a relocated directory's "{@code ..}", its real parent. */
    static SuspEntry parentLink(long block) {
        return blockEntry("PL", block);
    }

    /** RRIP 1.12 §4.1.5.3 {@code RE}: this record is a relocated directory; readers hide it here. */
    static SuspEntry relocatedDirectory() {
        return new SuspEntry("RE", 1, new byte[0]);
    }

    private static SuspEntry blockEntry(String signature, long block) {
        ByteBuffer b = ByteBuffer.allocate(8);
        BothByteOrder.putInt32(b, block);
        return new SuspEntry(signature, 1, b.array());
    }
}
