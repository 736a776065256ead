package io.guestdata.bench;

import io.guestdata.core.GuestdataVersion;
import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.InvalidDocumentException;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.core.metadata.MetadataOptions;
import io.guestdata.core.metadata.NovaRelease;
import io.guestdata.core.metadata.MetadataTree;
import io.guestdata.drive.ImageContent;
import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.iso9660.Iso9660Writer;
import io.guestdata.drive.iso9660.IsoOptions;
import io.guestdata.drive.vfat.FatOptions;
import io.guestdata.drive.vfat.VfatWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One config drive, the way {@code guestdata configdrive --instance DOC} makes it: parse and validate
 * the instance document (Nova's limits, inline key pairs only), build the {@link MetadataTree} with
 * Nova's defaults ({@code novalocal}, the interfaces template for static addresses, Nova's skip
 * list), take its config drive files and write the image. Each step is its own method so the
 * benchmarks can time them alone.
 *
 * <p>Nothing is shared between drives except what the caller passes: every call builds its own
 * parser and tree, so a benchmark of {@link #isoFile} pays for all of the per-drive work.
 */
public final class DriveJob {
    private DriveJob() {
    }

    /** Parses and validates the document, with a fresh parser as the CLI does for each drive. */
    public static Instance parse(byte[] document) throws InvalidDocumentException {
        return new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none()).parse(document);
    }

    /**
     * The config drive tree (nova-compat.md §1.8), with fresh {@code random_seed}s, as Nova 26 writes it: the peer
     * the benchmarks measure against is Nova 26's {@code make_drive}, so both write the same files.
     */
    public static List<MetadataFile> configDriveFiles(Instance instance) {
        return MetadataTree.build(instance, MetadataOptions.defaults().withNovaRelease(NovaRelease.NOVA_26))
                .configDriveFiles();
    }

    /** The tree as image files; the bytes are the tree's own copies, not copied again. */
    public static List<ImageFile> imageFiles(List<MetadataFile> files) {
        List<ImageFile> out = new ArrayList<>(files.size());
        for (MetadataFile f : files) {
            byte[] bytes = f.contents();
            out.add(new ImageFile(f.path(), bytes.length, ImageContent.of(bytes)));
        }
        return out;
    }

    /** Options for a config drive ISO recorded now, as the CLI would make them for each drive. */
    public static IsoOptions isoOptions() {
        return IsoOptions.configDrive(GuestdataVersion.product());
    }

    /** Document to ISO 9660 image at {@code target} (atomic: temporary file, fsync, rename). */
    public static void isoFile(byte[] document, Path target) throws InvalidDocumentException, ImageException, IOException {
        List<ImageFile> files = imageFiles(configDriveFiles(parse(document)));
        new Iso9660Writer(isoOptions()).write(files, target);
    }

    /** Document to VFAT image (Nova's 64 MiB, sparse) at {@code target} (atomic, as {@link #isoFile}). */
    public static void vfatFile(byte[] document, Path target) throws InvalidDocumentException, ImageException, IOException {
        List<ImageFile> files = imageFiles(configDriveFiles(parse(document)));
        new VfatWriter(FatOptions.configDrive()).write(files, target);
    }
}
