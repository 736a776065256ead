package io.guestdata.bench.inject;

import java.nio.file.Path;
import java.util.Random;
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

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.guestdata.core.Instance;
import io.guestdata.core.document.InstanceDocumentParser;
import io.guestdata.core.document.KeyPairResolver;
import io.guestdata.core.document.Limits;
import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.FilesystemBackends;
import io.guestdata.inject.InjectionOptions;
import io.guestdata.inject.InjectionReport;

/**
 * A whole injection as {@code guestdata inject} makes it, in a warm JVM: {@link DiskInjector#inject}
 * of an instance with an SSH key, metadata, an admin password and two files into a fresh copy of the
 * base image (not timed), with the default options (the partition found with {@code -1}, every
 * check, the commit). In-process libext2fs. This class uses only the API that guestdata has had
 * since the first round, so {@code run-inject-bench --baseline REF} compiles the very same file
 * against an earlier guestdata and measures it in the same run.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 10)
@Measurement(iterations = 60)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED"})
public class WholeInjectionBenchmark {

    /** The instance: what the end-to-end boot injects, less the network (the bench guest has no interfaces). */
    static final String INSTANCE = """
            {"uuid": "83679162-1378-4288-a2d4-70e13ec132aa", "name": "bench",
             "key_name": "bench",
             "public_keys": {"bench": "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIEYeJO1kEijno8UIE3a+h+vLb5HPmUZd2ElS2BSMV/eF bench@example"},
             "metadata": {"role": "webservers"},
             "admin_pass": "s3cret-Pass",
             "files": [{"path": "/etc/guestdata/hello.txt", "contents": "aGVsbG8gZnJvbSBndWVzdGRhdGEK"},
                       {"path": "/root/bin/blob", "contents": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}]}
            """;

    @Param("")
    public String base;

    @Param("")
    public String work;

    private Path copy;
    private Instance instance;
    private DiskInjector injector;

    @Setup(Level.Trial)
    public void parseInstanceAndMakeTheInjector() throws Exception {
        instance = new InstanceDocumentParser(Limits.nova(), KeyPairResolver.none())
                .parse((ObjectNode) new ObjectMapper().readTree(INSTANCE));
        injector = injector();
    }

    /** In-process libext2fs (the library's default backends), a fixed seed for the password's salt. */
    protected DiskInjector injector() throws Exception {
        return new DiskInjector(FilesystemBackends.thisBuild(), new Random(7));
    }

    @Setup(Level.Iteration)
    public void freshCopy() throws Exception {
        copy = lastImage(Path.of(work), sandboxed());
        Images.freshCopy(Path.of(base), copy);
        awaitWarmWorker();
    }

    /** Whether libext2fs runs in a sandboxed worker (the subclass). */
    protected boolean sandboxed() {
        return false;
    }

    /** Nothing to wait for in-process. */
    protected void awaitWarmWorker() throws InterruptedException {
    }

    @Benchmark
    public InjectionReport inject() throws Exception {
        InjectionReport report = injector.inject(copy, instance, InjectionOptions.defaults());
        if (!report.outcome().name().equals("DONE")) {
            throw new IllegalStateException("the injection was not done: " + report);
        }
        return report;
    }

    /** The image of the last iteration, for the check after the run. */
    static Path lastImage(Path work, boolean sandboxed) {
        return work.resolve(sandboxed ? "whole-sandboxed.img" : "whole-in-process.img");
    }

}
