package io.guestdata.bench.inject;

import java.io.IOException;
import java.nio.file.Path;
import java.time.InstantSource;
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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import io.guestdata.inject.fs.Ext2Filesystem;
import io.guestdata.inject.fs.FileWindow;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.OpenMode;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSession;
import io.guestdata.inject.sandbox.SandboxSettings;

/**
 * The same injection ({@link Injection}) through the same {@code GuestFilesystem} interface, open to
 * close, on a fresh copy of the base image each time, in ONE JMH run: libext2fs in this process, and
 * libext2fs in a sandboxed worker (bubblewrap, a worker per injection, taken warm from the pool: each
 * iteration's setup, untimed, waits until the pool has a warm worker, so the score is what an
 * injection costs when the service is not saturated, without a JVM start). Single-shot: every
 * iteration is one injection.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 40)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class SandboxInjectBenchmark {

    @Param("")
    public String base;

    @Param("")
    public String work;

    @Param({"in-process", "sandboxed"})
    public String mode;

    private Path copy;
    private Ext2fsSandbox sandbox;

    @Setup(Level.Trial)
    public void startSandbox() {
        if (mode.equals("sandboxed")) {
            sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1));
        }
    }

    @Setup(Level.Iteration)
    public void freshCopyAndAWarmWorker() throws IOException, InterruptedException {
        copy = Path.of(work, "jmh-" + mode + ".img");
        Images.freshCopy(Path.of(base), copy);
        while (sandbox != null && sandbox.idleWorkers() < 1) {
            Thread.sleep(5);
        }
    }

    @TearDown(Level.Trial)
    public void stopSandbox() {
        if (sandbox != null) {
            sandbox.close();
        }
    }

    @Benchmark
    public void inject() throws GuestFsException, IOException {
        try (FileWindow window = FileWindow.open(copy, 0, true)) {
            if (sandbox == null) {
                try (GuestFilesystem fs = Ext2Filesystem.open(window, OpenMode.READ_WRITE)) {
                    Injection.apply(fs);
                }
            } else {
                try (SandboxSession session = sandbox.session(InstantSource.system());
                     GuestFilesystem fs = session.open(window, OpenMode.READ_WRITE)) {
                    Injection.apply(fs);
                }
            }
        }
    }
}
