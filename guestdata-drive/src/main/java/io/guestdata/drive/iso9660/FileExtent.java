package io.guestdata.drive.iso9660;

/**
 * Where one file's bytes lie: both hierarchies' records point to the same extent. Mutable only
 * while the image is laid out. An empty file has no extent (block 0, length 0).
 */
final class FileExtent {
    final FileTree.File file;
    long block;

    FileExtent(FileTree.File file) {
        this.file = file;
    }

    long size() {
        return file.file().size();
    }
}
