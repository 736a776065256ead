package io.guestdata.inject.block;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Nova's {@code [libvirt] inject_partition} (nova-compat.md §7, {@code nova/virt/disk/api.py}):
 * which part of the disk injection writes into.
 *
 * <table>
 *   <caption>values</caption>
 *   <tr><td>-2</td><td>{@link Disabled}: injection is off (Nova's default)</td></tr>
 *   <tr><td>-1</td><td>{@link Find}: the one partition (or unpartitioned disk) that holds an OS root</td></tr>
 *   <tr><td>0</td><td>{@link WholeDisk}: the disk itself is the filesystem</td></tr>
 *   <tr><td>N</td><td>{@link Number}: partition N, Linux numbering (logicals from 5)</td></tr>
 * </table>
 *
 * Nova forces the whole disk when the instance has a {@code kernel_id} (an AKI-style image);
 * {@link #effective} applies that rule.
 */
public sealed interface InjectPartition {
    /** -2: injection disabled. */
    record Disabled() implements InjectPartition {
        @Override
        public int novaValue() {
            return -2;
        }
    }

    /** -1: find the single OS root (Nova: libguestfs {@code inspect_os}). */
    record Find() implements InjectPartition {
        @Override
        public int novaValue() {
            return -1;
        }
    }

    /** 0: the whole disk. */
    record WholeDisk() implements InjectPartition {
        @Override
        public int novaValue() {
            return 0;
        }
    }

    /** N &gt; 0: partition N. */
    record Number(int number) implements InjectPartition {
        public Number {
            if (number < 1) {
                throw new IllegalArgumentException("partition number must be positive: " + number);
            }
        }

        @Override
        public int novaValue() {
            return number;
        }
    }

    /** The integer Nova's configuration uses. */
    int novaValue();

    /**
     * From Nova's integer.
     *
     * @throws IllegalArgumentException for values below -2
     */
    static InjectPartition of(int novaValue) {
        return switch (novaValue) {
            case -2 -> new Disabled();
            case -1 -> new Find();
            case 0 -> new WholeDisk();
            default -> {
                if (novaValue < -2) {
                    throw new IllegalArgumentException("inject_partition " + novaValue
                            + " is not valid: use -2 (off), -1 (find the OS), 0 (whole disk) or a partition number");
                }
                yield new Number(novaValue);
            }
        };
    }

    /**
     * The partition Nova would actually use: a configured value other than -2 becomes the whole
     * disk when the instance boots an AKI-style kernel ({@code kernel_id} set) (nova-compat §7).
     */
    static InjectPartition effective(int configured, boolean instanceHasKernelId) {
        InjectPartition p = of(configured);
        return instanceHasKernelId && !(p instanceof Disabled) ? new WholeDisk() : p;
    }

    /** Whether injection is on at all. */
    default boolean enabled() {
        return !(this instanceof Disabled);
    }

    /**
     * Chooses the view to inject into, reading the disk's partition table and superblock magics;
     * writes nothing.
     *
     * @param disk the whole disk
     * @param isOsRoot "does this filesystem hold an operating system root?" — answered by the
     *     filesystem layer, which can read files (e.g. {@code /etc} and {@code /bin} exist); only
     *     used for {@link Find}, and only on Linux filesystems
     * @return a non-owning view of the chosen partition, or of the whole disk (number 0)
     * @throws PartitionSelectionException with the candidates and what to set instead when the
     *     choice is impossible
     * @throws PartitionTableException when the table itself is unusable
     */
    default PartitionView select(BlockDevice disk, Predicate<BlockDevice> isOsRoot) throws IOException {
        PartitionTable table = PartitionTable.read(disk);
        return switch (this) {
            case Disabled d -> throw new PartitionSelectionException(disk.path(), -1,
                    "injection is disabled (inject_partition = -2); nothing to select");
            case WholeDisk w -> checkedTarget(disk, table, PartitionView.wholeDisk(disk));
            case Number(int n) -> {
                Partition p = table.partition(n).orElseThrow(() -> new PartitionSelectionException(disk.path(), n,
                        "partition " + n + " not found; " + (table.isUnpartitioned()
                                ? "the disk has no partitions; set inject_partition to 0 (whole disk) or -1"
                                : "the disk has partitions " + table.numbers())));
                if (p.type().isExtendedContainer()) {
                    throw new PartitionSelectionException(disk.path(), n, "partition " + n
                            + " is an extended partition (a container of logical partitions); pick a logical"
                            + " partition: " + logicals(table));
                }
                yield checkedTarget(disk, table, PartitionView.of(disk, p));
            }
            case Find f -> find(disk, table, isOsRoot);
        };
    }

    private static PartitionView find(BlockDevice disk, PartitionTable table, Predicate<BlockDevice> isOsRoot)
            throws IOException {
        List<PartitionView> all = new ArrayList<>();
        if (table.isUnpartitioned()) {
            all.add(PartitionView.wholeDisk(disk));
        } else {
            for (Partition p : table.partitions()) {
                if (!p.type().isExtendedContainer()) {
                    all.add(PartitionView.of(disk, p));
                }
            }
        }
        List<String> everything = new ArrayList<>();
        List<PartitionView> candidates = new ArrayList<>();
        List<String> candidateNames = new ArrayList<>();
        for (PartitionView v : all) {
            FilesystemType fs = FilesystemType.probe(v);
            everything.add(describe(v, fs));
            if (fs.isLinuxFilesystem()) {
                candidates.add(v);
                candidateNames.add(describe(v, fs));
            }
        }
        List<PartitionView> roots = new ArrayList<>();
        List<String> rootNames = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            if (isOsRoot.test(candidates.get(i))) {
                roots.add(candidates.get(i));
                rootNames.add(candidateNames.get(i));
            }
        }
        if (roots.size() == 1) {
            return roots.getFirst();
        }
        if (roots.isEmpty()) {
            throw new PartitionSelectionException(disk.path(), -1, "no operating system found (candidates: "
                    + (candidateNames.isEmpty()
                            ? "none; no Linux filesystem on " + (everything.isEmpty() ? "the disk" : String.join(", ", everything))
                            : String.join(", ", candidateNames))
                    + "); set inject_partition to the partition to inject into, or 0 for the whole disk");
        }
        throw new PartitionSelectionException(disk.path(), -1, "multi-boot operating system found: "
                + String.join(", ", rootNames) + " each look like an OS root; set inject_partition to the one to"
                + " inject into");
    }

    private static PartitionView checkedTarget(BlockDevice disk, PartitionTable table, PartitionView target)
            throws IOException {
        FilesystemType fs = FilesystemType.probe(target);
        int n = target.number();
        String what = n == 0 ? "the whole disk" : "partition " + n;
        String instead = table.isUnpartitioned() ? "" : "; the disk has partitions " + table.numbers()
                + ": set inject_partition to one of them or to -1";
        return switch (fs) {
            case EXT2, EXT3, EXT4, XFS, BTRFS, VFAT, NTFS -> target;
            case LUKS -> throw new PartitionSelectionException(disk.path(), n, what
                    + " is LUKS-encrypted; injection cannot write into it without its key" + instead);
            case LVM2_PV -> throw new PartitionSelectionException(disk.path(), n, what
                    + " is an LVM2 physical volume; the filesystem is inside a logical volume, which this"
                    + " injector does not open" + instead);
            case SWAP -> throw new PartitionSelectionException(disk.path(), n, what + " is swap space" + instead);
            case UNKNOWN -> throw new PartitionSelectionException(disk.path(), n, what + " holds no recognised filesystem"
                    + (n == 0 && !table.isUnpartitioned() ? " (it holds an " + table.scheme() + " partition table)" : "")
                    + instead);
        };
    }

    private static String describe(PartitionView v, FilesystemType fs) {
        return (v.number() == 0 ? "whole disk" : "partition " + v.number()) + " (" + fs.blkidName() + ")";
    }

    private static String logicals(PartitionTable table) {
        String s = table.partitions().stream().filter(p -> p.number() >= 5 && table.scheme() == PartitionTable.Scheme.MBR)
                .map(p -> Integer.toString(p.number())).collect(Collectors.joining(", "));
        return s.isEmpty() ? "there are none" : s;
    }
}
