package io.guestdata.inject.block;

import java.nio.file.Path;

/**
 * A JVM of its own for {@link DaemonLifecycleTest}: opens a writable export of a qcow2, prints
 * "READY &lt;daemon pid&gt; &lt;work dir&gt;", then either hangs (to be killed with SIGKILL) or
 * exits without closing the export (so only the shutdown hook can stop the daemon).
 *
 * <p>Arguments: image, temp root, {@code pdeathsig|nopdeathsig}, {@code hang|exit}.
 */
public final class ExportChild {
    private ExportChild() {}

    public static void main(String[] args) throws Exception {
        QemuStorageExport.Settings settings = QemuStorageExport.Settings.defaults()
                .withTempRoot(Path.of(args[1]))
                .withParentDeathSignal(args[2].equals("pdeathsig"));
        QemuStorageExport export = QemuStorageExport.ofImage(ImageInspector.inspect(Path.of(args[0]),
                java.util.Optional.of(ImageFormat.QCOW2), BackingFilePolicy.refuseAll()), true, settings);
        System.out.println("READY " + export.pid() + " " + export.workDir());
        System.out.flush();
        if (args[3].equals("exit")) {
            System.exit(0); // deliberately without export.close()
        }
        Thread.sleep(Long.MAX_VALUE);
    }
}
