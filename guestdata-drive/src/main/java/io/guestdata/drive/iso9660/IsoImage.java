package io.guestdata.drive.iso9660;

import io.guestdata.drive.ImageException;
import io.guestdata.drive.ImageFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * A laid-out image: every block assigned from the file sizes alone, nothing of the content read.
 * {@link #writeTo} then produces the bytes front to back.
 *
 * <pre>
 * block 0..15   system area, zeros (ECMA-119 §6.2.1)
 *       16      Primary Volume Descriptor (§8.4)
 *       17      Joliet Supplementary Volume Descriptor (§8.5)
 *       18      Volume Descriptor Set Terminator (§8.3)
 *       19…     path tables: primary L, primary M, Joliet L, Joliet M (§9.4), each from a new block
 *               primary directories, then Joliet directories, in path table order (§6.8.1)
 *               Rock Ridge Continuation Areas (SUSP 1.12 §5.1), packed, none spanning a block
 *               file extents, in primary path table and record order, each from a new block
 *               zeros up to a multiple of 4096 bytes
 * </pre>
 */
final class IsoImage {
    /** ECMA-119 logical block (sector) size used throughout. */
    static final int BLOCK = 2048;
    static final int SYSTEM_AREA_BLOCKS = 16;
    /** The image is padded to a multiple of this (two blocks). */
    static final int IMAGE_ALIGNMENT = 4096;
    /** §8.4.8: the volume space size is a 32-bit number of blocks. */
    static final long MAX_BLOCKS = 0xFFFF_FFFFL;

    private final IsoOptions options;
    private final IsoDateTime recorded;
    private final Hierarchy primary;
    private final Hierarchy joliet;
    private final List<FileExtent> files = new ArrayList<>();
    private final List<DirectoryEntry> continued = new ArrayList<>();
    private final List<IsoDirectory> continuedOwners = new ArrayList<>();
    private long primaryPathTableSize;
    private long jolietPathTableSize;
    private long primaryL;
    private long primaryM;
    private long jolietL;
    private long jolietM;
    private long totalBlocks;

    private IsoImage(IsoOptions options, Hierarchy primary, Hierarchy joliet) {
        this.options = options;
        this.recorded = IsoDateTime.of(options.recordedAt());
        this.primary = primary;
        this.joliet = joliet;
    }

    /** Validates the files and lays the image out; reads no content. */
    static IsoImage layOut(List<ImageFile> input, IsoOptions options) throws ImageException {
        FileTree.Directory tree = FileTree.build(input);
        Map<FileTree.File, FileExtent> extents = new IdentityHashMap<>();
        collectFiles(tree, extents);
        IsoImage image = new IsoImage(options, Hierarchy.primary(tree, extents), Hierarchy.joliet(tree, extents));
        image.assignBlocks();
        return image;
    }

    /** Image size in bytes. */
    long size() {
        return totalBlocks * BLOCK;
    }

    private static void collectFiles(FileTree.Directory tree, Map<FileTree.File, FileExtent> extents) {
        Deque<FileTree.Directory> pending = new ArrayDeque<>();
        pending.push(tree);
        while (!pending.isEmpty()) {
            for (FileTree.Node n : pending.pop().children()) {
                if (n instanceof FileTree.File f) {
                    extents.put(f, new FileExtent(f));
                } else {
                    pending.push((FileTree.Directory) n);
                }
            }
        }
    }

    private void assignBlocks() throws ImageException {
        measure(primary);
        measure(joliet);
        long block = SYSTEM_AREA_BLOCKS + 3;
        primaryPathTableSize = PathTable.size(primary.directories());
        jolietPathTableSize = PathTable.size(joliet.directories());
        primaryL = block;
        block += blocks(primaryPathTableSize);
        primaryM = block;
        block += blocks(primaryPathTableSize);
        jolietL = block;
        block += blocks(jolietPathTableSize);
        jolietM = block;
        block += blocks(jolietPathTableSize);
        for (Hierarchy h : List.of(primary, joliet)) {
            for (IsoDirectory d : h.directories()) {
                d.block = block;
                block += blocks(d.size);
            }
        }
        int offset = 0;
        for (IsoDirectory d : primary.directories()) {
            for (DirectoryEntry e : d.records()) {
                if (e.hasContinuation()) {
                    if (offset + e.continuationLength > BLOCK) {
                        block++;
                        offset = 0;
                    }
                    e.continuationBlock = block;
                    e.continuationOffset = offset;
                    offset += e.continuationLength;
                    continued.add(e);
                    continuedOwners.add(d);
                }
            }
        }
        if (offset > 0) {
            block++;
        }
        for (IsoDirectory d : primary.directories()) {
            for (DirectoryEntry e : d.entries) {
                if (e.kind == DirectoryEntry.Kind.FILE) {
                    files.add(e.file);
                    if (e.file.size() > 0) {
                        e.file.block = block;
                        block += blocks(e.file.size());
                    }
                }
            }
        }
        long perAlignment = IMAGE_ALIGNMENT / BLOCK;
        totalBlocks = (block + perAlignment - 1) / perAlignment * perAlignment;
        if (totalBlocks > MAX_BLOCKS) {
            throw new ImageException("image", "would be " + totalBlocks + " blocks of 2048 bytes; ISO 9660 records at most "
                    + MAX_BLOCKS + " (ECMA-119 §8.4.8, about 8 TiB)");
        }
    }

    /** Record lengths, Continuation Area lengths and directory extent sizes. */
    private void measure(Hierarchy h) {
        for (IsoDirectory d : h.directories()) {
            int offset = 0;
            long sectors = 1;
            for (DirectoryEntry e : d.records()) {
                int su = 0;
                if (h.rockRidge) {
                    SystemUseField field = systemUseField(d, e);
                    su = field.fieldLength();
                    e.continuationLength = field.continuationLength();
                }
                e.length = DirectoryRecord.length(e.identifierBytes.length, su);
                if (!DirectoryRecord.fitsInSector(offset, e.length)) {
                    sectors++;
                    offset = 0;
                }
                offset += e.length;
            }
            d.size = sectors * BLOCK;
        }
    }

    private static long blocks(long bytes) {
        return (bytes + BLOCK - 1) / BLOCK;
    }

    /** The Rock Ridge entries of a record, split between its System Use field and its Continuation Area. */
    private SystemUseField systemUseField(IsoDirectory owner, DirectoryEntry e) {
        return SystemUseField.fit(rockRidgeEntries(owner, e), DirectoryRecord.systemUseAvailable(e.identifierBytes.length));
    }

    /**
     * What each record says in Rock Ridge: {@code SP} and {@code ER} (SUSP 1.12 §5.3, §5.5) on
     * the root's "{@code .}", {@code PX} and {@code TF} everywhere, {@code NM} with the real name on
     * named records, and the relocation entries {@code CL}, {@code PL}, {@code RE} (RRIP 1.12
     * §4.1.5) where a directory was relocated.
     */
    private List<SuspEntry> rockRidgeEntries(IsoDirectory owner, DirectoryEntry e) {
        List<SuspEntry> list = new ArrayList<>();
        boolean root = owner == primary.root();
        switch (e.kind) {
            case SELF -> {
                if (root) {
                    list.add(SuspEntry.sharingProtocolIndicator());
                }
                list.add(RockRidgeEntries.posixAttributes(RockRidgeEntries.DIRECTORY_MODE, owner.links));
                list.add(RockRidgeEntries.timestamps(recorded));
                if (root) {
                    list.add(RockRidgeEntries.extensionsReference());
                }
            }
            case PARENT -> {
                list.add(RockRidgeEntries.posixAttributes(RockRidgeEntries.DIRECTORY_MODE, owner.realParent.links));
                list.add(RockRidgeEntries.timestamps(recorded));
                if (owner.relocated) {
                    list.add(RockRidgeEntries.parentLink(owner.realParent.block));
                }
            }
            case FILE -> {
                list.add(RockRidgeEntries.posixAttributes(RockRidgeEntries.FILE_MODE, 1));
                list.add(RockRidgeEntries.timestamps(recorded));
                list.addAll(RockRidgeEntries.alternateName(e.name.getBytes(StandardCharsets.UTF_8)));
            }
            case DIRECTORY, RELOCATION_LINK, RELOCATED_DIRECTORY -> {
                list.add(RockRidgeEntries.posixAttributes(RockRidgeEntries.DIRECTORY_MODE, e.directory.links));
                list.add(RockRidgeEntries.timestamps(recorded));
                list.addAll(RockRidgeEntries.alternateName(e.name.getBytes(StandardCharsets.UTF_8)));
                if (e.kind == DirectoryEntry.Kind.RELOCATION_LINK) {
                    list.add(RockRidgeEntries.childLink(e.directory.block));
                } else if (e.kind == DirectoryEntry.Kind.RELOCATED_DIRECTORY) {
                    list.add(RockRidgeEntries.relocatedDirectory());
                }
            }
        }
        return list;
    }

    /** Writes the whole image, front to back, streaming each file's content once. */
    void writeTo(WritableByteChannel channel) throws IOException {
        SectorWriter out = new SectorWriter(channel);
        out.padTo((long) SYSTEM_AREA_BLOCKS * BLOCK);
        out.put(PrimaryVolumeDescriptor.bytes(fields(primary, primaryPathTableSize, primaryL, primaryM)));
        out.put(SupplementaryVolumeDescriptor.bytes(fields(joliet, jolietPathTableSize, jolietL, jolietM)));
        out.put(VolumeDescriptorSetTerminator.bytes());
        writePathTable(out, primary, primaryL, false);
        writePathTable(out, primary, primaryM, true);
        writePathTable(out, joliet, jolietL, false);
        writePathTable(out, joliet, jolietM, true);
        for (Hierarchy h : List.of(primary, joliet)) {
            for (IsoDirectory d : h.directories()) {
                writeDirectory(out, h, d);
            }
        }
        for (int i = 0; i < continued.size(); i++) {
            DirectoryEntry e = continued.get(i);
            out.padTo(e.continuationBlock * BLOCK + e.continuationOffset);
            out.put(systemUseField(continuedOwners.get(i), e).continuationBytes());
        }
        for (FileExtent f : files) {
            if (f.size() > 0) {
                out.padTo(f.block * BLOCK);
                out.expect(f.block * BLOCK);
                writeContent(out, f);
            }
        }
        out.padTo(totalBlocks * BLOCK);
        out.flush();
    }

    private static void writeContent(SectorWriter out, FileExtent f) throws IOException {
        String path = f.file.path();
        InputStream in;
        try {
            in = f.file.file().open();
        } catch (IOException e) {
            throw new IOException(path + ": cannot open content: " + e.getMessage(), e);
        }
        try (in) {
            out.copy(in, f.size(), path);
        }
    }

    private VolumeDescriptor.Fields fields(Hierarchy h, long pathTableSize, long typeL, long typeM) {
        IsoDirectory root = h.root();
        DirectoryRecord rootRecord = new DirectoryRecord(root.block, root.size, recorded, true, DirectoryRecord.SELF, new byte[0]);
        return new VolumeDescriptor.Fields(options.volumeId(), options.publisher(), options.applicationId(), recorded,
                totalBlocks, pathTableSize, typeL, typeM, rootRecord);
    }

    private static void writePathTable(SectorWriter out, Hierarchy h, long block, boolean typeM) throws IOException {
        out.expect(block * BLOCK);
        for (IsoDirectory d : h.directories()) {
            ByteBuffer b = ByteBuffer.allocate(PathTable.recordLength(d.identifierBytes().length));
            PathTable.writeRecord(b, d, typeM);
            out.put(b.array());
        }
        out.padTo((block + blocks(PathTable.size(h.directories()))) * BLOCK);
    }

    private void writeDirectory(SectorWriter out, Hierarchy h, IsoDirectory d) throws IOException {
        long start = d.block * BLOCK;
        out.expect(start);
        for (DirectoryEntry e : d.records()) {
            DirectoryRecord r = directoryRecord(h, d, e);
            if (r.length() != e.length) {
                throw new IllegalStateException("layout error: record of " + r.length() + " bytes, planned " + e.length);
            }
            int offset = (int) ((out.position() - start) % BLOCK);
            if (!DirectoryRecord.fitsInSector(offset, e.length)) {
                out.padTo(out.position() + BLOCK - offset);
            }
            ByteBuffer b = ByteBuffer.allocate(e.length);
            r.writeTo(b);
            out.put(b.array());
        }
        out.padTo(start + d.size);
    }

    private DirectoryRecord directoryRecord(Hierarchy h, IsoDirectory owner, DirectoryEntry e) {
        byte[] systemUse = new byte[0];
        if (h.rockRidge) {
            SystemUseField field = systemUseField(owner, e);
            systemUse = field.fieldBytes(SuspEntry.continuationArea(e.continuationBlock, e.continuationOffset,
                    e.continuationLength));
        }
        return switch (e.kind) {
            case SELF -> new DirectoryRecord(owner.block, owner.size, recorded, true, e.identifierBytes, systemUse);
            case PARENT -> new DirectoryRecord(owner.parent.block, owner.parent.size, recorded, true, e.identifierBytes, systemUse);
            case DIRECTORY, RELOCATED_DIRECTORY -> new DirectoryRecord(e.directory.block, e.directory.size, recorded, true,
                    e.identifierBytes, systemUse);
            case RELOCATION_LINK -> new DirectoryRecord(0, 0, recorded, false, e.identifierBytes, systemUse);
            case FILE -> new DirectoryRecord(e.file.block, e.file.size(), recorded, false, e.identifierBytes, systemUse);
        };
    }
}
