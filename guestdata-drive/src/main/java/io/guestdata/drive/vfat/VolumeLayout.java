package io.guestdata.drive.vfat;

import io.guestdata.drive.vfat.DirectoryTree.Directory;
import io.guestdata.drive.vfat.DirectoryTree.Node;
import io.guestdata.drive.vfat.DirectoryTree.RegularFile;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where every directory and file lives in the data region, decided from sizes alone before any
 * content is read. Each directory and each non-empty file gets one contiguous run of clusters, so
 * its FAT chain is simply n → n + 1 → … → end of chain. Runs are laid out from cluster 2 upwards
 * with no gaps: first the FAT32 root directory, then every other directory (depth first, entries
 * in name order), then the files in the same order; all free space is at the end.
 */
final class VolumeLayout {
    /**
     * A contiguous run of clusters holding one directory or one file.
     *
     * @param parentCluster for a directory, what its {@code ..} entry points at: the parent's first
     *                      cluster, or 0 when the parent is the root ("FAT Directory Structure");
     *                      0 for files and for the root
     */
    record Run(Node node, long firstCluster, long clusters, long parentCluster) {
    }

    private final BiosParameterBlock bpb;
    private final List<Run> runs;
    private final Map<Node, Long> firstClusters;
    private final List<RegularFile> emptyFiles;
    private final long usedClusters;

    private VolumeLayout(BiosParameterBlock bpb, List<Run> runs, Map<Node, Long> firstClusters,
            List<RegularFile> emptyFiles, long usedClusters) {
        this.bpb = bpb;
        this.runs = runs;
        this.firstClusters = firstClusters;
        this.emptyFiles = emptyFiles;
        this.usedClusters = usedClusters;
    }

    /** Clusters the tree needs on a volume of {@code type} with clusters of {@code clusterBytes}. */
    static long clustersNeeded(Directory root, FatType type, int clusterBytes) {
        long clusters = type == FatType.FAT32 ? fat32RootClusters(root, clusterBytes) : 0;
        return clusters + clustersBelow(root, clusterBytes);
    }

    /** The FAT32 root is a cluster chain like any directory, of at least one cluster even when empty. */
    private static long fat32RootClusters(Directory root, int clusterBytes) {
        return Math.max(1, Math.ceilDiv(root.bytes(), clusterBytes));
    }

    private static long clustersBelow(Directory dir, int clusterBytes) {
        long clusters = 0;
        for (Node node : dir.entries()) {
            if (node instanceof Directory d) {
                clusters += Math.ceilDiv(d.bytes(), clusterBytes) + clustersBelow(d, clusterBytes);
            } else if (node instanceof RegularFile f) {
                clusters += Math.ceilDiv(f.file().size(), clusterBytes);
            }
        }
        return clusters;
    }

    static VolumeLayout allocate(Directory root, BiosParameterBlock bpb) {
        Allocator a = new Allocator(bpb.clusterBytes());
        if (bpb.type() == FatType.FAT32) {
            a.place(root, fat32RootClusters(root, a.clusterBytes), 0);
        } else {
            a.first.put(root, 0L);
        }
        a.placeDirectories(root);
        a.placeFiles(root);
        long used = a.next - 2;
        if (used > bpb.clusterCount()) {
            throw new IllegalStateException("layout needs " + used + " clusters, volume has " + bpb.clusterCount());
        }
        return new VolumeLayout(bpb, List.copyOf(a.runs), a.first, List.copyOf(a.emptyFiles), used);
    }

    /** Hands out clusters in order. */
    private static final class Allocator {
        final int clusterBytes;
        final List<Run> runs = new ArrayList<>();
        final Map<Node, Long> first = new IdentityHashMap<>();
        final List<RegularFile> emptyFiles = new ArrayList<>();
        long next = 2;

        Allocator(int clusterBytes) {
            this.clusterBytes = clusterBytes;
        }

        void placeDirectories(Directory dir) {
            for (Node node : dir.entries()) {
                if (node instanceof Directory d) {
                    place(d, Math.ceilDiv(d.bytes(), clusterBytes), dir.isRoot() ? 0 : first.get(dir));
                    placeDirectories(d);
                }
            }
        }

        void placeFiles(Directory dir) {
            for (Node node : dir.entries()) {
                if (node instanceof Directory d) {
                    placeFiles(d);
                } else if (node instanceof RegularFile f) {
                    long clusters = Math.ceilDiv(f.file().size(), clusterBytes);
                    if (clusters == 0) {
                        // "FAT 32 Byte Directory Entry Structure": an empty file has no cluster, DIR_FstClus 0.
                        first.put(f, 0L);
                        emptyFiles.add(f);
                    } else {
                        place(f, clusters, 0);
                    }
                }
            }
        }

        void place(Node node, long clusters, long parent) {
            runs.add(new Run(node, next, clusters, parent));
            first.put(node, next);
            next += clusters;
        }
    }

    BiosParameterBlock bpb() {
        return bpb;
    }

    /** The runs in cluster order, contiguous from cluster 2. */
    List<Run> runs() {
        return runs;
    }

    /** First cluster of a directory or file; 0 for an empty file and for a FAT12/16 root. */
    long firstCluster(Node node) {
        return firstClusters.get(node);
    }

    /** Files of size 0, which have no run but whose content must still be checked to be empty. */
    List<RegularFile> emptyFiles() {
        return emptyFiles;
    }

    long usedClusters() {
        return usedClusters;
    }

    long freeClusters() {
        return bpb.clusterCount() - usedClusters;
    }
}
