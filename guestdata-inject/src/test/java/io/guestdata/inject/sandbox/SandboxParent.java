package io.guestdata.inject.sandbox;

/**
 * A parent process for {@code WorkerPoolTest.noWorkerOutlivesItsParentProcess}: starts a sandbox
 * with N warm workers, prints {@code worker PID} for each worker JVM and {@code ready}, then waits
 * to be killed.
 */
public final class SandboxParent {
    private SandboxParent() {
    }

    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        Ext2fsSandbox sandbox = Ext2fsSandbox.start(SandboxSettings.defaults().withPoolSize(n).withWarmupRounds(0));
        while (sandbox.idleWorkers() < n) {
            Thread.sleep(20);
        }
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith("/bin/java")).orElse(false))
                .forEach(p -> System.out.println("worker " + p.pid()));
        System.out.println("ready");
        System.out.flush();
        Thread.sleep(600_000);
    }
}
