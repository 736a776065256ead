package io.guestdata.inject;

import io.guestdata.testkit.Command;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Real images are not refused by the consistency checks: a filesystem that a Linux kernel (the
 * libguestfs appliance's) mounted, wrote to (directories, files, a large file deleted again) and
 * cleanly unmounted keeps its group counts, bitmaps and superblock totals as the checks expect,
 * and the injection goes through, e2fsck -fn clean afterwards.
 */
@Tag("guestfs")
class KernelWrittenImageTest {

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"ext2", "ext3", "ext4"})
    void aCleanlyUnmountedKernelImageTakesTheInjection(String type) throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 64, "-t", type);
        List<String> cmd = new ArrayList<>(List.of("guestfish", "-a", img.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().putIfAbsent("LIBGUESTFS_BACKEND", "direct");
        pb.environment().putIfAbsent("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg");
        Process p = pb.start();
        try (var in = p.getOutputStream()) {
            in.write(("run\nmount /dev/sda /\nmkdir-p /srv/a/b/c\nwrite /srv/a/b/c/f hello\n"
                    + "fill 65 3000000 /srv/big\nmkdir /srv/d\ntouch /srv/d/x\nrm /srv/big\n"
                    + "write-append /etc/os-release VERSION=1\\n\numount-all\n").getBytes());
        }
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        Command.Result fsck = Ext2Tools.run(List.of("e2fsck", "-fn", img.toString()));
        assertEquals(0, fsck.exit(), fsck.stdout());

        DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend())),
                RandomGenerator.of("L64X128MixRandom"));
        InjectionReport report = injector.inject(img, Instances.full(), InjectionOptions.defaults()
                .withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir)));
        assertEquals(Outcome.DONE, report.outcome(), report::toString);
        GuestImages.assertClean(img, 0);
    }
}
