package io.guestdata.drive.vfat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * The file allocation table (Microsoft FAT specification 1.03, "FAT Data Structure"): one entry
 * per cluster, 12, 16 or 32 bits wide, little-endian; FAT12 packs two entries into three bytes.
 * Entry 0 holds the media byte, entry 1 end-of-chain with the clean-volume bits set; each used
 * cluster holds the number of the next cluster of its chain or end-of-chain; free clusters are 0.
 *
 * <p>Since the layout gives each chain one contiguous run from cluster 2 upwards (see
 * {@link VolumeLayout}), the entries are generated in order from the runs and written in chunks of
 * {@value #CHUNK} bytes; the free part (all zeros) is skipped. A FAT of any size thus takes a
 * fixed amount of memory and, on a sparse image, only the disk space of its used part.
 */
final class FileAllocationTable {
    /** Divisible by 2, 3 and 4, so chunks end on an entry (FAT12: on a pair of entries). */
    static final int CHUNK = 48 * 1024;
    private final FatType type;
    private final List<VolumeLayout.Run> runs;
    private final long bytes;

    /**
     * @param runs  contiguous runs from cluster 2 upwards, in order
     * @param bytes size of one FAT ({@code BPB_FATSz} sectors)
     */
    FileAllocationTable(FatType type, List<VolumeLayout.Run> runs, long bytes) {
        this.type = type;
        this.runs = runs;
        this.bytes = bytes;
    }

    /** Writes one copy of the FAT starting at the stream's position. */
    void writeTo(ImageStream out, ByteBuffer scratch) throws IOException {
        long start = out.position();
        Packer packer = new Packer(out, scratch);
        packer.add(type.mediaEntry());
        packer.add(type.cleanEntry());
        long expected = 2;
        for (VolumeLayout.Run run : runs) {
            if (run.firstCluster() != expected) {
                throw new IllegalStateException("runs must be contiguous from cluster 2; got " + run.firstCluster());
            }
            long last = run.firstCluster() + run.clusters() - 1;
            for (long c = run.firstCluster(); c < last; c++) {
                packer.add(c + 1);
            }
            packer.add(type.endOfChain());
            expected = last + 1;
        }
        packer.flush();
        if (out.position() - start > bytes) {
            throw new IllegalStateException("FAT overflows its " + bytes + " bytes");
        }
        out.skipTo(start + bytes);
    }

    /** Packs entries little-endian into the scratch buffer and writes it out when full. */
    private final class Packer {
        private final ImageStream out;
        private final ByteBuffer buffer;
        private long pending = -1;

        Packer(ImageStream out, ByteBuffer scratch) {
            this.out = out;
            this.buffer = scratch.clear().limit(CHUNK).slice().order(ByteOrder.LITTLE_ENDIAN);
        }

        void add(long entry) throws IOException {
            switch (type) {
                case FAT12 -> {
                    if (pending < 0) {
                        pending = entry;
                        return;
                    }
                    // Entries 2k and 2k+1 share three bytes: low byte of the first, its high nibble
                    // with the low nibble of the second, then the second's high byte.
                    room(3);
                    buffer.put((byte) pending);
                    buffer.put((byte) ((pending >> 8) & 0x0F | (entry & 0x0F) << 4));
                    buffer.put((byte) (entry >> 4));
                    pending = -1;
                }
                case FAT16 -> {
                    room(2);
                    buffer.putShort((short) entry);
                }
                case FAT32 -> {
                    room(4);
                    buffer.putInt((int) entry);
                }
            }
        }

        private void room(int n) throws IOException {
            if (buffer.remaining() < n) {
                drain();
            }
        }

        private void drain() throws IOException {
            buffer.flip();
            out.write(buffer);
            buffer.clear();
        }

        void flush() throws IOException {
            if (pending >= 0) {
                room(2);
                buffer.put((byte) pending);
                buffer.put((byte) ((pending >> 8) & 0x0F));
                pending = -1;
            }
            drain();
        }
    }
}
