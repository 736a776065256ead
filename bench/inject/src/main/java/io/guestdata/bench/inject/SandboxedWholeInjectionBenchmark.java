package io.guestdata.bench.inject;

import java.security.SecureRandom;

import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.TearDown;

import io.guestdata.inject.DiskInjector;
import io.guestdata.inject.Ext2fsBackend;
import io.guestdata.inject.FilesystemBackends;
import io.guestdata.inject.guestfs.GuestfsSettings;
import io.guestdata.inject.sandbox.Ext2fsSandbox;
import io.guestdata.inject.sandbox.SandboxSettings;

/**
 * {@link WholeInjectionBenchmark} as {@code guestdata serve} makes it: libext2fs in a sandboxed worker
 * taken warm from a pool of one (each iteration's untimed setup waits until the pool has one ready,
 * so the score is an injection in a service that is not saturated: no JVM start).
 */
public class SandboxedWholeInjectionBenchmark extends WholeInjectionBenchmark {

    private Ext2fsSandbox sandbox;

    @Override
    protected DiskInjector injector() {
        sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(1));
        return new DiskInjector(FilesystemBackends.thisBuild(GuestfsSettings.DEFAULT, Ext2fsBackend.sandboxed(sandbox)),
                new SecureRandom());
    }

    @Override
    protected boolean sandboxed() {
        return true;
    }

    @Override
    protected void awaitWarmWorker() throws InterruptedException {
        while (sandbox.idleWorkers() < 1) {
            Thread.sleep(5);
        }
    }

    @TearDown(Level.Trial)
    public void stopSandbox() {
        sandbox.close();
    }
}
