package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

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
import org.openjdk.jmh.annotations.Warmup;

import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;

/**
 * One injection in-process with the ext2fs backend, open to close, on a fresh copy of the base
 * image each time (the copy is made in the iteration's setup, not timed). Single-shot: every
 * iteration is one injection, so the iteration scores are the per-injection times.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 60)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class Ext2InjectBenchmark {

    /** The base ext4 image (never written). */
    @Param("")
    public String base;

    /** Where the fresh copy goes. */
    @Param("")
    public String work;

    private Path copy;

    @Setup(Level.Iteration)
    public void freshCopy() throws IOException, InterruptedException {
        copy = Path.of(work, "jmh.img");
        Images.freshCopy(Path.of(base), copy);
    }

    @Benchmark
    public void inject() throws GuestFsException {
        try (Ext2Filesystem fs = Ext2Filesystem.open(copy, 0, OpenMode.READ_WRITE)) {
            Injection.apply(fs);
        }
    }
}
