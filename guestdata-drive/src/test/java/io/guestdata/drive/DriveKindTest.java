package io.guestdata.drive;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.guestdata.drive.DriveKind.Format;
import io.guestdata.drive.DriveKind.SeedFilesystem;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The attachment rule Nova follows (nova-compat.md §1.8: an ISO 9660 config drive is a cdrom, a VFAT one a disk, both
 * with Nova's SMBIOS) and cloud-localds's for seeds (ISO 9660 a cdrom, FAT a disk, no SMBIOS), for every kind.
 */
class DriveKindTest {

    @ParameterizedTest
    @CsvSource({
        "iso9660, iso9660, true,  true,  disk.config, ISO 9660 config drive",
        "iso9660, vfat,    true,  true,  disk.config, ISO 9660 config drive",
        "vfat,    iso9660, false, true,  disk.config, VFAT config drive",
        "nocloud, iso9660, true,  false, seed.iso,    NoCloud seed (iso9660)",
        "nocloud, vfat,    false, false, seed.img,    NoCloud seed (vfat)",
    })
    void attachmentAndNames(Format format, SeedFilesystem seed, boolean cdrom, boolean smbios, String filename,
                            String description) {
        DriveKind kind = new DriveKind(format, seed);
        UUID instance = UUID.randomUUID();
        assertEquals(cdrom, kind.cdrom());
        assertEquals(!cdrom, kind.vfat());
        assertEquals(smbios ? Optional.of(instance) : Optional.empty(), kind.smbios(instance));
        assertEquals(filename, kind.filename());
        assertEquals(description, kind.description());
    }
}
