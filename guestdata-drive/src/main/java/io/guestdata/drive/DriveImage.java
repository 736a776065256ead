package io.guestdata.drive;

import io.guestdata.core.GuestdataVersion;
import io.guestdata.drive.iso9660.Iso9660Writer;
import io.guestdata.drive.iso9660.IsoOptions;
import io.guestdata.drive.vfat.FatOptions;
import io.guestdata.drive.vfat.VfatWriter;
import java.io.IOException;
import java.nio.channels.WritableByteChannel;
import java.time.Instant;
import java.util.List;

/**
 * One image of a set of files, about to be written: its size first (the writer's layout, which checks every file
 * against the format's limits and writes nothing), then its bytes. The one way the CLI (to a file, atomically) and
 * the management API (to a response, with its Content-Length) make an image, with the same writer options.
 */
public interface DriveImage {
    /** Lays the image out and returns its size in bytes; an {@link ImageException} names what does not fit. */
    long size() throws ImageException;

    /** Writes the image, exactly {@link #size()} bytes. */
    void writeTo(WritableByteChannel channel) throws ImageException, IOException;

    /** An ISO 9660 image (Rock Ridge, Joliet) with this product as its preparer, as Nova's genisoimage run does. */
    static DriveImage iso9660(List<ImageFile> files, String volumeId, Instant recordedAt) {
        return of(new Iso9660Writer(new IsoOptions(volumeId, GuestdataVersion.product(), recordedAt,
                IsoOptions.APPLICATION_ID)), files);
    }

    /** A FAT image of at least {@code minimumSize} bytes (grown to fit), its volume id drawn from the time. */
    static DriveImage vfat(List<ImageFile> files, String label, Instant recordedAt, long minimumSize) {
        return of(new VfatWriter(new FatOptions(label, recordedAt, FatOptions.volumeIdFor(recordedAt), minimumSize)),
                files);
    }

    /** The image {@code writer} makes of {@code files}. */
    static DriveImage of(ImageWriter writer, List<ImageFile> files) {
        return new DriveImage() {
            @Override
            public long size() throws ImageException {
                return writer.imageSize(files);
            }

            @Override
            public void writeTo(WritableByteChannel channel) throws ImageException, IOException {
                writer.writeTo(files, channel);
            }
        };
    }
}
