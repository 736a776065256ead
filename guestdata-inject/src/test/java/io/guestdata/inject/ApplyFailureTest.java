package io.guestdata.inject;

import java.nio.file.Path;
import java.util.List;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.inject.InjectionReport.Entry;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.InjectionReport.Status;
import io.guestdata.inject.block.FilesystemType;
import io.guestdata.inject.fs.AccessPolicy;
import io.guestdata.inject.fs.GuestFilesystem;
import io.guestdata.inject.fs.GuestFsException;
import io.guestdata.inject.fs.GuestPath;
import io.guestdata.inject.fs.OpenMode;

import static io.guestdata.inject.GuestImages.assertClean;
import static io.guestdata.inject.GuestImages.assertDirectory;
import static io.guestdata.inject.GuestImages.stat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A write that fails after the plan passed (the guest changed under us: something made
 * {@code /etc/network/interfaces} a directory between plan and write). The report says exactly
 * what was written and what was not; the filesystem stays consistent.
 */
class ApplyFailureTest {

    static final GuestPath SABOTAGED = GuestPath.of("/etc/network/interfaces");

    @TempDir
    Path dir;

    /** ext2fs, with each filesystem it opens wrapped by {@code sabotage}. */
    static final class SabotagedBackend implements FilesystemBackend {
        private final Ext2fsBackend real = new Ext2fsBackend();
        private final java.util.function.UnaryOperator<GuestFilesystem> sabotage;

        SabotagedBackend(java.util.function.UnaryOperator<GuestFilesystem> sabotage) {
            this.sabotage = sabotage;
        }

        /** A directory appears at {@link #SABOTAGED} just before it is replaced. */
        SabotagedBackend() {
            this(fs -> new ForwardingFilesystem(fs) {
                @Override
                public void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
                    if (file.equals(SABOTAGED)) {
                        fs.makeDirectories(file, 0755, 0, 0, policy);
                    }
                    fs.replace(file, content, policy);
                }
            });
        }

        @Override
        public String name() {
            return "ext2fs";
        }

        @Override
        public boolean supports(FilesystemType type) {
            return real.supports(type);
        }

        @Override
        public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException {
            return sabotage.apply(real.open(target, mode));
        }
    }

    private DiskInjector injector() {
        return new DiskInjector(new FilesystemBackends(List.of(new SabotagedBackend())), RandomGenerator.of("L64X128MixRandom"));
    }

    private static List<String> rows(InjectionReport report) {
        return report.entries().stream().map(e -> e.item().label() + " " + e.path().orElse("-") + " " + e.status().label())
                .toList();
    }

    @Test
    void theFirstFailureStopsAndTheReportSaysWhatWasWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        InjectionReport report = injector().inject(img, Instances.full(), InjectionOptions.defaults());
        assertEquals(Outcome.FAILED, report.outcome());
        assertEquals(List.of(
                "key /root/.ssh written",
                "key /root/.ssh/authorized_keys written",
                "net /etc/network written",
                "net /etc/network/interfaces failed",
                "metadata /meta.js not written",
                "password /etc/shadow not written",
                "files /etc/guestdata not written",
                "files /etc/guestdata/hello.txt not written",
                "files /opt not written",
                "files /opt/app not written",
                "files /opt/app/conf not written",
                "files /opt/app/conf/app.ini not written",
                "files /etc/motd not written"), rows(report));
        Entry failed = report.entries().get(3);
        assertEquals("replace /etc/network/interfaces failed: replace /etc/network/interfaces: /etc/network/interfaces"
                + " is a directory; this step wrote nothing", failed.detail());
        assertNotNull(stat(img, 0, "/root/.ssh/authorized_keys"));
        assertDirectory(img, 0, "/etc/network", 0744, 0, 0);
        assertNull(stat(img, 0, "/meta.js"));
        assertEquals(GuestImages.SHADOW, GuestImages.cat(img, 0, "/etc/shadow"));
        assertClean(img, 0);
    }

    @Test
    void bestEffortGoesOnWithTheNextItem() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        InjectionReport report = injector().inject(img, Instances.full(), InjectionOptions.defaults().withBestEffort(true));
        assertEquals(Outcome.PARTIAL, report.outcome());
        for (Entry e : report.entries()) {
            Status expected = e.path().orElse("").equals(SABOTAGED.toString()) ? Status.FAILED : Status.WRITTEN;
            assertEquals(expected, e.status(), e::toString);
        }
        GuestImages.assertFile(img, 0, "/meta.js", 0644, 0, 0, DiskInjectionTest.META_JS);
        assertClean(img, 0);
    }

    /**
     * A library that fails in the middle of a write (libguestfs' append fails on its third 1 MiB chunk,
     * the file truncated and partly written) is reported as such, whatever the library: the report
     * must not say "this step wrote nothing" as it does for guestdata's own refusals.
     */
    @Test
    void aLibraryFailingMidWriteIsReportedAsPartlyWritten() throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        GuestPath keys = GuestPath.of("/root/.ssh/authorized_keys");
        DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new SabotagedBackend(fs -> new ForwardingFilesystem(fs) {
            @Override
            public void append(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
                if (!file.equals(keys)) {
                    fs.append(file, content, policy);
                    return;
                }
                fs.append(file, java.util.Arrays.copyOf(content, content.length / 2), policy);
                throw new GuestFsException(GuestFsException.Kind.LIBGUESTFS, "append", file,
                        "libguestfs: write_append: the appliance's write failed after 2 of 3 chunks");
            }
        }))), RandomGenerator.of("L64X128MixRandom"));
        InjectionReport report = injector.inject(img, Instances.full(), InjectionOptions.defaults());
        assertEquals(Outcome.FAILED, report.outcome());
        Entry failed = report.entries().stream().filter(e -> e.status() == Status.FAILED).findFirst().orElseThrow();
        assertEquals(keys.toString(), failed.path().orElseThrow());
        assertTrue(failed.detail().endsWith("; the file may be partly written"), failed.detail());
        assertClean(img, 0);
    }
}
