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
import org.openjdk.jmh.annotations.Level;
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
 *       rename. Nova's peer does no fsync; this side pays for one.</li>
 *   <li>{@link #isoFileNoSync}: the same, but the image is written the way genisoimage writes it:
 *       create, write, close; no fsync, no rename.</li>
 *   <li>{@link #vfatFile}: the whole job to VFAT (Nova's 64 MiB, sparse), atomically.</li>
 *   <li>{@link #isoWriterDiscard}: the ISO writer alone (layout + streaming) on a prepared tree, to a
 *       channel that drops the bytes.</li>
 *   <li>{@link #metadataTree}: MetadataTree build + configDriveFiles alone, from a parsed instance.</li>
 *   <li>{@link #parseDocument}: parse and validate the document alone.</li>
 * </ul>
 *
 * <p>As in {@code nova_oracle.py bench}, the previous drive is deleted after each drive, outside the
 * timed part ({@link DriveTarget}): replacing or truncating it inside would also make ext4 allocate
 * its blocks at once ({@code auto_da_alloc}), a cost Nova's side does not have.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
// On 2 shared cores C2 needs several seconds to settle (first warm-up iterations run 3-5x slower).
@Warmup(iterations = 10, time = 1)
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

    @Setup
    public void setUp() throws Exception {
        documentBytes = Files.readAllBytes(Path.of(document));
        instance = DriveJob.parse(documentBytes);
        imageFiles = DriveJob.imageFiles(DriveJob.configDriveFiles(instance));
        isoWriter = new Iso9660Writer(DriveJob.isoOptions());
        // java.io.tmpdir is /tmp unless told otherwise, where Python's tempfile puts Nova's drives.
        dir = Files.createTempDirectory("guestdata-bench-");
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
    public Path isoFile(DriveTarget target) throws Exception {
        Path iso = target.path(dir, "disk.config");
        DriveJob.isoFile(documentBytes, iso);
        return iso;
    }

    @Benchmark
    public long isoFileNoSync(DriveTarget target) throws Exception {
        Path iso = target.path(dir, "disk.config");
        List<ImageFile> files = DriveJob.imageFiles(DriveJob.configDriveFiles(DriveJob.parse(documentBytes)));
        try (FileChannel out = FileChannel.open(iso, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            new Iso9660Writer(DriveJob.isoOptions()).writeTo(files, out);
            return out.position();
        }
    }

    @Benchmark
    public Path vfatFile(DriveTarget target) throws Exception {
        Path image = target.path(dir, "disk.vfat");
        DriveJob.vfatFile(documentBytes, image);
        return image;
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

    /** Where one drive goes; deleted after the drive, outside the timed part. */
    @State(Scope.Thread)
    public static class DriveTarget {
        Path written;

        Path path(Path dir, String name) {
            written = dir.resolve(name);
            return written;
        }

        @TearDown(Level.Invocation)
        public void deleteDrive() throws IOException {
            if (written != null) {
                Files.deleteIfExists(written);
            }
        }
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
