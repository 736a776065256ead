package io.guestdata.drive.vfat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Sector 0 of the volume (Microsoft FAT specification 1.03, "Boot Sector and BPB"): jump
 * instruction, OEM name, {@link BiosParameterBlock}, the extended boot record ("Extended BPB
 * structure for FAT12 and FAT16 volumes" at offset 36, "... for FAT32 volumes" at offset 64), a
 * small boot program and the 0x55 0xAA signature at offsets 510 and 511.
 *
 * <p>The volume is not bootable; the boot program only prints so on screen and waits for a key,
 * then asks the BIOS to try the next boot device (INT 19h). A firmware that tries to boot the drive
 * thus gets an explanation instead of executing zeros.
 */
final class BootSector {
    static final int SIZE = BiosParameterBlock.BYTES_PER_SECTOR;
    /**
     * "MSWIN4.1", the OEM name the spec recommends because some FAT drivers look at it; readers that
     * matter (Linux, Windows, mtools) ignore it.
     */
    private static final byte[] OEM_NAME = "MSWIN4.1".getBytes(StandardCharsets.US_ASCII);
    private static final String MESSAGE =
            "This is not a bootable disk: it holds configuration data for a virtual machine.\r\n"
            + "Press a key to try the next boot device.\r\n";
    private static final int LOAD_ADDRESS = 0x7C00;

    private BootSector() {
    }

    /**
     * @param volumeId    {@code BS_VolID}
     * @param volumeLabel the 11 bytes of {@code BS_VolLab}
     */
    static ByteBuffer encode(BiosParameterBlock bpb, int volumeId, byte[] volumeLabel) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        boolean fat32 = bpb.type() == FatType.FAT32;
        int extended = fat32 ? 64 : 36;
        int bootCode = fat32 ? 90 : 62;
        // BS_jmpBoot: short jump over the BPB to the boot program, then NOP (the form the spec lists first).
        b.put(0, (byte) 0xEB).put(1, (byte) (bootCode - 2)).put(2, (byte) 0x90);
        b.put(3, OEM_NAME);
        bpb.encode(b);
        b.put(extended, (byte) 0x80); // BS_DrvNum: hard disk
        b.put(extended + 1, (byte) 0); // BS_Reserved1
        b.put(extended + 2, (byte) 0x29); // BS_BootSig: the next three fields are present
        b.putInt(extended + 3, volumeId);
        b.put(extended + 7, volumeLabel);
        b.put(extended + 18, bpb.type().fileSystemType().getBytes(StandardCharsets.US_ASCII));
        b.put(bootCode, bootProgram(bootCode));
        b.put(510, (byte) 0x55).put(511, (byte) 0xAA);
        return b;
    }

    /**
     * Real-mode x86 code, loaded by the BIOS at 0000:7C00 and entered at {@code offset}: print
     * {@link #MESSAGE} with INT 10h function 0Eh (teletype), wait for a key with INT 16h function 00h,
     * then INT 19h (bootstrap loader, which tries the next device); halt if that returns. Assembled by
     * hand, one instruction per line; the jump displacements and the message address are computed.
     */
    private static byte[] bootProgram(int offset) {
        ByteBuffer p = ByteBuffer.allocate(SIZE);
        p.put((byte) 0x31).put((byte) 0xC0);                 // 0: xor ax, ax
        p.put((byte) 0x8E).put((byte) 0xD8);                 // 2: mov ds, ax
        int messageField = p.position() + 1;
        p.put((byte) 0xBE).put((byte) 0).put((byte) 0);      // 4: mov si, message (patched below)
        p.put((byte) 0xFC);                                  // 7: cld
        int next = p.position();
        p.put((byte) 0xAC);                                  // 8: next: lodsb
        p.put((byte) 0x84).put((byte) 0xC0);                 // 9: test al, al
        int jzAt = p.position();
        p.put((byte) 0x74).put((byte) 0);                    // 11: jz wait (patched below)
        p.put((byte) 0xB4).put((byte) 0x0E);                 // 13: mov ah, 0Eh
        p.put((byte) 0xBB).put((byte) 0x07).put((byte) 0x00); // 15: mov bx, 0007h
        p.put((byte) 0xCD).put((byte) 0x10);                 // 18: int 10h
        int jmpAt = p.position();
        p.put((byte) 0xEB).put((byte) (next - (jmpAt + 2)));    // 20: jmp next
        int wait = p.position();
        p.put((byte) 0x30).put((byte) 0xE4);                 // 22: wait: xor ah, ah
        p.put((byte) 0xCD).put((byte) 0x16);                 // 24: int 16h
        p.put((byte) 0xCD).put((byte) 0x19);                 // 26: int 19h
        p.put((byte) 0xF4);                                  // 28: halt: hlt
        p.put((byte) 0xEB).put((byte) 0xFD);                 // 29: jmp halt
        int message = p.position();
        p.put(MESSAGE.getBytes(StandardCharsets.US_ASCII)).put((byte) 0);
        p.put(jzAt + 1, (byte) (wait - (jzAt + 2)));
        int address = LOAD_ADDRESS + offset + message;
        p.put(messageField, (byte) address).put(messageField + 1, (byte) (address >> 8));
        byte[] out = new byte[p.position()];
        p.get(0, out);
        return out;
    }
}
