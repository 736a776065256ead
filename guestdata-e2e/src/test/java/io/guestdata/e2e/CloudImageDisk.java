package io.guestdata.e2e;

import io.guestdata.testkit.Command;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * A partitioned root disk laid out as Debian's cloud images are (debian-cloud-images, GPT): a BIOS boot
 * partition at sectors 2048–8191, an EFI system partition (FAT) at 8192–262143, and the root filesystem from
 * sector 262144 (128 MiB) to the end. Debian numbers them 14, 15 and 1; here they are numbered in disk order,
 * 1, 2 and 3, as a layout tool does by default (Ubuntu's, Fedora's and most others' images have a second and a
 * third partition too): so {@code vda2} and {@code vda3} exist, and they are exactly where Nova's fallback
 * block device mapping ({@code ephemeral0: sda2}, {@code swap: sda3}, which cloud-init remaps to {@code vdX}
 * when {@code sdX} is absent) would send cloud-init's mounts module.
 *
 * <p>Made without any loop mount: {@code sfdisk} writes the table into a sparse file, {@code mkfs.fat -C} makes
 * the ESP in a file of its own, and {@code dd} copies it and the generation's root filesystem to their offsets.
 * The disk is exactly as large as the partitions and the backup GPT need, so the root partition has no room
 * to grow.
 */
final class CloudImageDisk {
    static final long SECTOR = 512;
    static final long BIOS_BOOT_START = 2048;
    static final long ESP_START = 8192;
    static final long ROOT_START = 262144;
    /** The root partition's number: the kernel's {@code root=/dev/vda3}. */
    static final int ROOT_PARTITION = 3;
    /** The backup GPT at the end of the disk: 32 sectors of entries and the header. */
    private static final long BACKUP_GPT = 33;
    private static final String BIOS_BOOT = "21686148-6449-6E6F-744E-656564454649";
    private static final String EFI_SYSTEM = "C12A7328-F81F-11D2-BA4B-00A0C93EC93B";
    private static final String LINUX_FILESYSTEM = "0FC63DAF-8483-4772-8E79-3D69D8477DE4";

    private CloudImageDisk() {
    }

    /** Writes the disk for the image's root filesystem to {@code disk} (sparse). */
    static Path write(GuestImage image, Path disk) {
        try {
            long rootSectors = Files.size(image.rootfs()) / SECTOR;
            long sectors = ROOT_START + rootSectors + BACKUP_GPT;
            run("truncate", "-s", String.valueOf(sectors * SECTOR), disk.toString());
            Path table = disk.resolveSibling(disk.getFileName() + ".sfdisk");
            Files.writeString(table, """
                    label: gpt
                    unit: sectors
                    first-lba: 2048
                    start=%d, size=%d, type=%s, name="BIOS boot partition"
                    start=%d, size=%d, type=%s, name="EFI System Partition"
                    start=%d, size=%d, type=%s, name="root"
                    """.formatted(BIOS_BOOT_START, ESP_START - BIOS_BOOT_START, BIOS_BOOT,
                    ESP_START, ROOT_START - ESP_START, EFI_SYSTEM, ROOT_START, rootSectors, LINUX_FILESYSTEM));
            run("sh", "-c", "sfdisk --quiet --no-reread --no-tell-kernel \"$0\" < \"$1\"", disk.toString(), table.toString());
            Path esp = disk.resolveSibling(disk.getFileName() + ".esp");
            Files.deleteIfExists(esp);
            run("mkfs.fat", "-F", "32", "-n", "EFI", "-C", esp.toString(), String.valueOf((ROOT_START - ESP_START) * SECTOR / 1024));
            copyInto(esp, disk, ESP_START);
            copyInto(image.rootfs(), disk, ROOT_START);
            Files.delete(esp);
            return disk;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Where the root filesystem starts, for reading it afterwards ({@link GuestDisk}). */
    static long rootOffset() {
        return ROOT_START * SECTOR;
    }

    private static void copyInto(Path from, Path disk, long startSector) {
        run("dd", "if=" + from, "of=" + disk, "bs=1M", "seek=" + startSector * SECTOR, "oflag=seek_bytes",
                "conv=notrunc,sparse", "status=none");
    }

    private static void run(String... argv) {
        Command.run(Duration.ofMinutes(5), List.of(argv)).ok();
    }
}
