package io.guestdata.drive.vfat;

import io.guestdata.drive.AtomicTarget;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.ImageWriter;
import io.guestdata.drive.vfat.DirectoryTree.Directory;
import io.guestdata.drive.vfat.DirectoryTree.RegularFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * Writes a FAT file system image with long file names (VFAT), as Nova's {@code config_drive_format
 * = vfat} makes with {@code mkfs -t vfat -n config-2} and a loop mount, but in-process, streaming
 * and deterministic. Follows the Microsoft FAT specification 1.03 ("FAT: General Overview of
 * On-Disk Format"); each on-disk structure has its class ({@link BootSector},
 * {@link BiosParameterBlock}, {@link FsInfo}, {@link FileAllocationTable}, {@link DirectoryEntry},
 * {@link LongNameEntry}, {@link ShortName}).
 *
 * <p><b>Size.</b> At least {@link FatOptions#minimumSizeBytes()}, which {@link
 * FatOptions#configDrive()} sets to Nova's 64 MiB so guests see the drive they see with Nova (a
 * FAT16 volume of 2 KiB clusters); grown when the content needs more, to the smallest size in whole
 * 4 KiB that leaves at least 1/16 of the content's size (and at least 1 MiB) free. FAT16 is used up
 * to 2 GiB and FAT32 beyond, up to {@link FatOptions#MAX_SIZE_BYTES} (2 TiB − 4 KiB); a minimum
 * under 4.1 MB can give FAT12. Why: a fixed size every guest already knows is the safe default,
 * the growth keeps larger content working without a setting, and size costs almost nothing
 * because the image is sparse — free clusters, the free part of the FATs and the slack after each
 * file are never written, so a 64 MiB drive holding 20 KiB takes about 100 KiB of disk. The type
 * (FAT12/16/32) follows from the cluster count alone; see {@link VolumeSizing}.
 *
 * <p><b>Names.</b> Every name is kept exactly, in long entries (UTF-16) when it is not a plain 8.3
 * name, with an 8.3 short name from the spec's basis-name and numeric-tail algorithms. Lower-case
 * 8.3 names ({@code ec2}, {@code latest}) are stored as a short entry with the case bits in
 * {@code DIR_NTRes}, as Windows NT+ and mtools store them. Names FAT cannot hold, names equal
 * without regard to case in one directory, and every other fault are refused with an
 * {@link ImageException} before anything is written; see {@link NameLimits} and
 * {@link DirectoryTree}.
 *
 * <p><b>Memory.</b> The layout is computed from the sizes alone; content is read once, in order,
 * through one 64 KiB buffer, and the FATs and directories are generated through the same buffer.
 * Memory is therefore that buffer plus a few hundred bytes per file and directory of the input,
 * whatever the file sizes or the volume size.
 *
 * <p>Same files and same options give the same bytes.
 */
public final class VfatWriter implements ImageWriter {
    private static final int BUFFER = 64 * 1024;
    private final FatOptions options;

    public VfatWriter(FatOptions options) {
        this.options = Objects.requireNonNull(options, "options");
    }

    /**
     * Writes the image to {@code target} through {@link AtomicTarget}: nothing appears under the
     * target's name unless the whole image was written.
     *
     * @throws ImageException the files cannot be put in a FAT volume, or the target cannot be written;
     *                        nothing has been written
     * @throws IOException    reading content or writing failed (including content that does not have
     *                        the size its {@link ImageFile} states); no file is left behind
     */
    public void write(List<ImageFile> files, Path target) throws ImageException, IOException {
        Plan plan = plan(files);
        try (AtomicTarget t = AtomicTarget.open(target)) {
            emit(plan, t.channel());
            t.commit();
        }
    }

    /** The size in bytes of the image {@code files} would give. */
    @Override
    public long imageSize(List<ImageFile> files) throws ImageException {
        return plan(files).layout().bpb().imageBytes();
    }

    /**
     * Streams the image to {@code out}, front to back. If {@code out} is a seekable channel at its
     * end (an empty file), zero regions are skipped and left as holes; otherwise they are written.
     */
    @Override
    public void writeTo(List<ImageFile> files, WritableByteChannel out) throws ImageException, IOException {
        emit(plan(files), out);
    }

    private record Plan(Directory root, VolumeLayout layout) {
    }

    private Plan plan(List<ImageFile> files) throws ImageException {
        Objects.requireNonNull(files, "files");
        Directory root = DirectoryTree.build(files, options.labelField());
        BiosParameterBlock bpb = VolumeSizing.choose(root, options.minimumSizeBytes());
        return new Plan(root, VolumeLayout.allocate(root, bpb));
    }

    private void emit(Plan plan, WritableByteChannel channel) throws IOException {
        VolumeLayout layout = plan.layout();
        BiosParameterBlock bpb = layout.bpb();
        ImageStream out = new ImageStream(channel);
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER);

        ByteBuffer boot = BootSector.encode(bpb, options.volumeId(), options.bootSectorLabel());
        out.write(boot.duplicate());
        if (bpb.type() == FatType.FAT32) {
            long nextFree = layout.freeClusters() > 0 ? layout.usedClusters() + 2 : 0xFFFF_FFFFL;
            ByteBuffer fsInfo = new FsInfo(layout.freeClusters(), nextFree).encode();
            out.write(fsInfo.duplicate());
            out.skipTo((long) BiosParameterBlock.BACKUP_BOOT_SECTOR * BiosParameterBlock.BYTES_PER_SECTOR);
            out.write(boot.duplicate());
            out.write(fsInfo.duplicate());
        }

        FileAllocationTable fat = new FileAllocationTable(bpb.type(), layout.runs(), bpb.fatBytes());
        for (int i = 0; i < BiosParameterBlock.NUMBER_OF_FATS; i++) {
            out.skipTo(bpb.fatOffset(i));
            fat.writeTo(out, buffer);
        }

        DirectoryEntries directories = new DirectoryEntries(layout, FatTimestamp.of(options.recordedAt()),
                options.labelField());
        if (bpb.type() != FatType.FAT32) {
            out.skipTo(bpb.rootDirectoryOffset());
            directories.write(plan.root(), 0, out, buffer);
        }
        for (VolumeLayout.Run run : layout.runs()) {
            out.skipTo(bpb.clusterOffset(run.firstCluster()));
            switch (run.node()) {
                case Directory d -> directories.write(d, run.parentCluster(), out, buffer);
                case RegularFile f -> copy(f, out, buffer);
            }
        }
        for (RegularFile f : layout.emptyFiles()) {
            copy(f, out, buffer);
        }
        out.finish(bpb.imageBytes());
    }

    /** Streams one file's content, checking it has exactly the stated size. */
    private static void copy(RegularFile f, ImageStream out, ByteBuffer buffer) throws IOException {
        long size = f.file().size();
        byte[] bytes = buffer.array();
        long copied = 0;
        try (InputStream in = open(f)) {
            while (copied < size) {
                int n = read(f, in, bytes, (int) Math.min(bytes.length, size - copied));
                if (n < 0) {
                    throw new IOException(f.path() + ": content ended after " + copied + " bytes; its size is "
                            + size + " bytes");
                }
                out.write(ByteBuffer.wrap(bytes, 0, n));
                copied += n;
            }
            if (read(f, in, bytes, 1) > 0) {
                throw new IOException(f.path() + ": content has more than its size of " + size + " bytes");
            }
        }
    }

    private static InputStream open(RegularFile f) throws IOException {
        try {
            return f.file().open();
        } catch (IOException e) {
            throw new IOException(f.path() + ": cannot open its content: " + e.getMessage(), e);
        }
    }

    private static int read(RegularFile f, InputStream in, byte[] bytes, int length) throws IOException {
        try {
            return in.read(bytes, 0, length);
        } catch (IOException e) {
            throw new IOException(f.path() + ": reading its content failed: " + e.getMessage(), e);
        }
    }
}
