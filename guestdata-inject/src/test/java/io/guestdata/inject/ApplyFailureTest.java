package io.guestdata.inject;

import java.io.IOException;
import io.guestdata.testkit.ToolTest;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import java.util.random.RandomGenerator;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
import io.guestdata.inject.guestfs.GuestTools;

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
 * what was written and what was not; the filesystem stays consistent. Every test runs through both
 * backends (ext2fs in-process, guestfs in an appliance): the write policy is theirs in common
 * ({@link io.guestdata.inject.fs.PolicedFilesystem}), so the reports must be the same.
 */
@ToolTest
class ApplyFailureTest {

    static final GuestPath SABOTAGED = GuestPath.of("/etc/network/interfaces");

    /** The whole disk: libguestfs' {@code inspect_os} does not take the skeleton for an OS (-1 would refuse). */
    static final InjectionOptions WHOLE_DISK = InjectionOptions.defaults().withPartition(0);

    @TempDir
    Path dir;

    /** The backends the tests run against: the same policy must give the same report through either. */
    enum Backend {
        EXT2FS, GUESTFS;

        /** This backend, with each filesystem it opens wrapped by {@code sabotage}. */
        FilesystemBackend sabotaged(UnaryOperator<GuestFilesystem> sabotage) {
            return switch (this) {
                case EXT2FS -> new SabotagedBackend(new Ext2fsBackend(), sabotage);
                case GUESTFS -> new HookedBackend(new GuestfsBackend(GuestTools.settings()), (target, fs) -> sabotage.apply(fs));
            };
        }

        /** A directory appears at {@link #SABOTAGED} just before it is replaced. */
        FilesystemBackend sabotaged() {
            return sabotaged(fs -> new ForwardingFilesystem(fs) {
                @Override
                public void replace(GuestPath file, byte[] content, AccessPolicy policy) throws GuestFsException {
                    if (file.equals(SABOTAGED)) {
                        fs.makeDirectories(file, 0755, 0, 0, policy);
                    }
                    fs.replace(file, content, policy);
                }
            });
        }

        DiskInjector injector(UnaryOperator<GuestFilesystem> sabotage) {
            return new DiskInjector(new FilesystemBackends(List.of(sabotaged(sabotage))),
                    RandomGenerator.of("L64X128MixRandom"));
        }

        DiskInjector injector() {
            return new DiskInjector(new FilesystemBackends(List.of(sabotaged())), RandomGenerator.of("L64X128MixRandom"));
        }
    }

    /** A backend reading guestdata's view of the image (ext2fs), with each filesystem it opens wrapped. */
    record SabotagedBackend(FilesystemBackend real, UnaryOperator<GuestFilesystem> sabotage)
            implements FilesystemBackend {

        @Override
        public String name() {
            return real.name();
        }

        @Override
        public boolean supports(FilesystemType type) {
            return real.supports(type);
        }

        @Override
        public GuestFilesystem open(InjectionTarget target, OpenMode mode) throws GuestFsException, IOException {
            return sabotage.apply(real.open(target, mode));
        }
    }

    private static List<String> rows(InjectionReport report) {
        return report.entries().stream().map(e -> e.item().label() + " " + e.path().orElse("-") + " " + e.status().label())
                .toList();
    }

    @ParameterizedTest
    @EnumSource(Backend.class)
    void theFirstFailureStopsAndTheReportSaysWhatWasWritten(Backend backend) throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        InjectionReport report = backend.injector().inject(img, Instances.full(), WHOLE_DISK);
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

    @ParameterizedTest
    @EnumSource(Backend.class)
    void bestEffortGoesOnWithTheNextItem(Backend backend) throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        InjectionReport report = backend.injector().inject(img, Instances.full(), WHOLE_DISK.withBestEffort(true));
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
    @ParameterizedTest
    @EnumSource(Backend.class)
    void aLibraryFailingMidWriteIsReportedAsPartlyWritten(Backend backend) throws Exception {
        Path img = GuestImages.wholeDisk(dir, "disk.img", GuestImages.skeleton(dir), 32, "-t", "ext4");
        GuestPath keys = GuestPath.of("/root/.ssh/authorized_keys");
        DiskInjector injector = backend.injector(fs -> new ForwardingFilesystem(fs) {
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
        });
        InjectionReport report = injector.inject(img, Instances.full(), WHOLE_DISK);
        assertEquals(Outcome.FAILED, report.outcome());
        Entry failed = report.entries().stream().filter(e -> e.status() == Status.FAILED).findFirst().orElseThrow();
        assertEquals(keys.toString(), failed.path().orElseThrow());
        assertTrue(failed.detail().endsWith("; the file may be partly written"), failed.detail());
        assertClean(img, 0);
    }
}
