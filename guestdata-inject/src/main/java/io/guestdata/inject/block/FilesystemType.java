package io.guestdata.inject.block;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import io.guestdata.inject.fs.Ext2SuperBlock;

/**
 * What a device or partition holds, told by its superblock magic (the same signatures libblkid
 * probes). Only the signature is read: nothing here says the filesystem is consistent.
 */
public enum FilesystemType {
    /** ext2: 0xEF53 at byte 1080, no journal, no ext4 features. */
    EXT2(true),
    /** ext3: ext2 plus a journal. */
    EXT3(true),
    /** ext4: any feature beyond ext3's (extents, 64bit, flex_bg, metadata_csum, …). */
    EXT4(true),
    /** XFS: "XFSB" at byte 0 (xfs_sb.sb_magicnum). */
    XFS(true),
    /** Btrfs: "_BHRfS_M" at byte 64 of the superblock at 64 KiB. */
    BTRFS(true),
    /** FAT12/16/32: a valid boot sector and BPB (see {@link FatBootSector}). */
    VFAT(false),
    /** NTFS: "NTFS    " at byte 3 of the boot sector. */
    NTFS(false),
    /** Linux swap: "SWAPSPACE2" (or "SWAP-SPACE") ending at the end of the first page. */
    SWAP(false),
    /** LVM2 physical volume: "LABELONE" in one of the first four sectors, "LVM2 001" 24 bytes further. */
    LVM2_PV(false),
    /** LUKS (1 or 2) encrypted volume: "LUKS\xBA\xBE" at byte 0. */
    LUKS(false),
    /** Nothing recognised. */
    UNKNOWN(false);

    private static final byte[] LUKS_MAGIC = {'L', 'U', 'K', 'S', (byte) 0xba, (byte) 0xbe};
    private static final int[] PAGE_SIZES = {4096, 8192, 16384, 65536};
    private static final long BTRFS_SUPER = 65536;

    private final boolean linux;

    FilesystemType(boolean linux) {
        this.linux = linux;
    }

    /** Whether this is a filesystem a Linux OS root can live on (ext2/3/4, XFS, Btrfs). */
    public boolean isLinuxFilesystem() {
        return linux;
    }

    /** Lower-case name as blkid reports it ("ext4", "vfat", "LVM2_member", "crypto_LUKS", …). */
    public String blkidName() {
        return switch (this) {
            case LVM2_PV -> "LVM2_member";
            case LUKS -> "crypto_LUKS";
            case UNKNOWN -> "unknown";
            default -> name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /** Reads the signatures at the start of {@code device} and names what it holds. */
    public static FilesystemType probe(BlockDevice device) throws IOException {
        long size = device.size();
        if (size < 512) {
            return UNKNOWN;
        }
        ByteBuffer head = device.readBytes(0, (int) Math.min(size, 4096));
        if (startsWith(head, 0, LUKS_MAGIC)) {
            return LUKS;
        }
        for (int sector = 0; sector < 4 && (sector + 1) * 512 <= head.limit(); sector++) {
            if (ascii(head, sector * 512, 8).equals("LABELONE") && ascii(head, sector * 512 + 24, 8).equals("LVM2 001")) {
                return LVM2_PV;
            }
        }
        if (ascii(head, 0, 4).equals("XFSB")) {
            return XFS;
        }
        if (size >= Ext2SuperBlock.BYTE_OFFSET + Ext2SuperBlock.SIZE) {
            ByteBuffer sb = device.readBytes(Ext2SuperBlock.BYTE_OFFSET, (int) Ext2SuperBlock.SIZE);
            switch (Ext2SuperBlock.parse(MemorySegment.ofBuffer(sb)).generation()) {
                case 2 -> {
                    return EXT2;
                }
                case 3 -> {
                    return EXT3;
                }
                case 4 -> {
                    return EXT4;
                }
                default -> {
                }
            }
        }
        if (size >= BTRFS_SUPER + 72 && ascii(device.readBytes(BTRFS_SUPER + 64, 8), 0, 8).equals("_BHRfS_M")) {
            return BTRFS;
        }
        for (int page : PAGE_SIZES) {
            if (size >= page) {
                String magic = ascii(device.readBytes(page - 10, 10), 0, 10);
                if (magic.equals("SWAPSPACE2") || magic.equals("SWAP-SPACE")) {
                    return SWAP;
                }
            }
        }
        if (FatBootSector.isFatBootSector(head.duplicate().limit(512))) {
            return VFAT;
        }
        if (isNtfsBootSector(head)) {
            return NTFS;
        }
        return UNKNOWN;
    }

    static boolean isNtfsBootSector(ByteBuffer sector) {
        return sector.limit() >= 11 && ascii(sector, 3, 8).equals("NTFS    ");
    }

    private static boolean startsWith(ByteBuffer b, int offset, byte[] magic) {
        byte[] s = new byte[magic.length];
        b.get(offset, s);
        return Arrays.equals(s, magic);
    }

    private static String ascii(ByteBuffer b, int offset, int length) {
        byte[] s = new byte[length];
        b.get(offset, s);
        return new String(s, StandardCharsets.ISO_8859_1);
    }
}
