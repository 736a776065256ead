package io.guestdata.bench;

import io.guestdata.core.Instance;
import io.guestdata.core.metadata.MetadataFile;
import io.guestdata.drive.ImageFile;
import io.guestdata.drive.iso9660.Iso9660Writer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-drive work of a config drive, in-process, for comparison with Nova's path
 * ({@code nova_oracle.py bench}) in the same run; see {@code docs/benchmarks.md}.
 *
 * <ul>
 *   <li>{@link #isoFile}: the whole job as the CLI does it, minus JVM start: document bytes → parse
 *       and validate → MetadataTree → configDriveFiles → ISO 9660 image written to a file in the
 *       temporary directory (same file system as Nova's tmpdir), atomically: temporary file, fsync,
 *       rename over the previous drive. Nova's peer does no fsync; this side pays for one.</li>
 *   <li>{@link #isoFileNoSync}: the same, but the image is written the way genisoimage writes it:
 *       open (truncating the previous drive), write, close; no fsync, no rename.</li>
 *   <li>{@link #vfatFile}: the whole job to VFAT (Nova's 64 MiB, sparse), atomically.</li>
 *   <li>{@link #isoWriterDiscard}: the ISO writer alone (layout + streaming) on a prepared tree, to a
 *       channel that drops the bytes.</li>
 *   <li>{@link #metadataTree}: MetadataTree build + configDriveFiles alone, from a parsed instance.</li>
 *   <li>{@link #parseDocument}: parse and validate the document alone.</li>
 * </ul>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class DriveBenchmarks {
    /** The instance document; the driver passes the one it gives Nova ({@code -p document=…}). */
    @Param("guestdata-cli/src/test/resources/nova/static.json")
    public String document;

    byte[] documentBytes;
    Instance instance;
    List<ImageFile> imageFiles;
    Iso9660Writer isoWriter;
    Path dir;
    Path isoTarget;
    Path vfatTarget;

    @Setup
    public void setUp() throws Exception {
        documentBytes = Files.readAllBytes(Path.of(document));
        instance = DriveJob.parse(documentBytes);
        imageFiles = DriveJob.imageFiles(DriveJob.configDriveFiles(instance));
        isoWriter = new Iso9660Writer(DriveJob.isoOptions());
        // java.io.tmpdir is /tmp unless told otherwise, where Python's tempfile puts Nova's drives.
        dir = Files.createTempDirectory("guestdata-bench-");
        isoTarget = dir.resolve("disk.config");
        vfatTarget = dir.resolve("disk.vfat");
    }

    @TearDown
    public void tearDown() throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    @Benchmark
    public Path isoFile() throws Exception {
        DriveJob.isoFile(documentBytes, isoTarget);
        return isoTarget;
    }

    @Benchmark
    public long isoFileNoSync() throws Exception {
        List<ImageFile> files = DriveJob.imageFiles(DriveJob.configDriveFiles(DriveJob.parse(documentBytes)));
        try (FileChannel out = FileChannel.open(isoTarget, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            new Iso9660Writer(DriveJob.isoOptions()).writeTo(files, out);
            return out.position();
        }
    }

    @Benchmark
    public Path vfatFile() throws Exception {
        DriveJob.vfatFile(documentBytes, vfatTarget);
        return vfatTarget;
    }

    @Benchmark
    public long isoWriterDiscard() throws Exception {
        DiscardingChannel out = new DiscardingChannel();
        isoWriter.writeTo(imageFiles, out);
        return out.bytes;
    }

    @Benchmark
    public List<MetadataFile> metadataTree() {
        return DriveJob.configDriveFiles(instance);
    }

    @Benchmark
    public Instance parseDocument() throws Exception {
        return DriveJob.parse(documentBytes);
    }

    /** Takes every byte and keeps only the count. */
    static final class DiscardingChannel implements WritableByteChannel {
        long bytes;

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            src.position(src.limit());
            bytes += n;
            return n;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
