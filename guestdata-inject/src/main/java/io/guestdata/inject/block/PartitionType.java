package io.guestdata.inject.block;

import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/** The type a partition table gives a partition: an MBR type byte or a GPT partition type GUID. */
public sealed interface PartitionType {
    /** A short human-readable label ("Linux", "EFI System", "0x83", or the GUID when unknown). */
    String label();

    /** Whether this is an MBR extended-partition container (0x05, 0x0F, 0x85) rather than data. */
    default boolean isExtendedContainer() {
        return false;
    }

    /**
     * An MBR partition type byte (the "system ID" in the partition entry, byte 4). The common
     * values are listed by {@code sfdisk --list-types} / {@code fdisk l}.
     */
    record Mbr(int code) implements PartitionType {
        private static final Map<Integer, String> NAMES = Map.ofEntries(
                Map.entry(0x05, "Extended"), Map.entry(0x0f, "W95 Ext'd (LBA)"), Map.entry(0x85, "Linux extended"),
                Map.entry(0x06, "FAT16"), Map.entry(0x0b, "W95 FAT32"), Map.entry(0x0c, "W95 FAT32 (LBA)"),
                Map.entry(0x0e, "W95 FAT16 (LBA)"), Map.entry(0x07, "HPFS/NTFS/exFAT"), Map.entry(0x82, "Linux swap"),
                Map.entry(0x83, "Linux"), Map.entry(0x8e, "Linux LVM"), Map.entry(0xfd, "Linux raid autodetect"),
                Map.entry(0xee, "GPT"), Map.entry(0xef, "EFI (FAT-12/16/32)"));

        public Mbr {
            if (code < 0 || code > 0xff) {
                throw new IllegalArgumentException("MBR type byte out of range: " + code);
            }
        }

        @Override
        public String label() {
            return String.format(Locale.ROOT, "0x%02x", code) + (NAMES.containsKey(code) ? " " + NAMES.get(code) : "");
        }

        @Override
        public boolean isExtendedContainer() {
            return code == 0x05 || code == 0x0f || code == 0x85;
        }
    }

    /** A GPT partition type GUID (UEFI 2.x §5.3.3, Table "Defined GPT Partition Entry - Partition Type GUIDs"). */
    record Gpt(UUID guid) implements PartitionType {
        public static final UUID LINUX_FILESYSTEM = UUID.fromString("0fc63daf-8483-4772-8e79-3d69d8477de4");
        public static final UUID EFI_SYSTEM = UUID.fromString("c12a7328-f81f-11d2-ba4b-00a0c93ec93b");
        public static final UUID BIOS_BOOT = UUID.fromString("21686148-6449-6e6f-744e-656564454649");
        public static final UUID LINUX_SWAP = UUID.fromString("0657fd6d-a4ab-43c4-84e5-0933c84b4f4f");
        public static final UUID LINUX_LVM = UUID.fromString("e6d6d379-f507-44c2-a23c-238f2a3df928");
        public static final UUID LINUX_ROOT_X86_64 = UUID.fromString("4f68bce3-e8cd-4db1-96e7-fbcaf984b709");
        public static final UUID MICROSOFT_BASIC_DATA = UUID.fromString("ebd0a0a2-b9e5-4433-87c0-68b6b72699c7");
        private static final Map<UUID, String> NAMES = Map.of(
                LINUX_FILESYSTEM, "Linux filesystem", EFI_SYSTEM, "EFI System", BIOS_BOOT, "BIOS boot",
                LINUX_SWAP, "Linux swap", LINUX_LVM, "Linux LVM", LINUX_ROOT_X86_64, "Linux root (x86-64)",
                MICROSOFT_BASIC_DATA, "Microsoft basic data");

        @Override
        public String label() {
            return NAMES.getOrDefault(guid, guid.toString().toUpperCase(Locale.ROOT));
        }
    }
}
