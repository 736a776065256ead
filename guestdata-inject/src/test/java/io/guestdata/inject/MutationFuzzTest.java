package io.guestdata.inject;

import io.guestdata.testkit.Command;
import io.guestdata.testkit.ToolTest;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.guestdata.core.Instance;
import io.guestdata.inject.InjectionReport.Outcome;
import io.guestdata.inject.block.QemuStorageExport;
import io.guestdata.inject.fs.Ext2Tools;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded mutation fuzz of the whole injection (issue 10, part 2): small ext2, ext3 and ext4 images
 * made by mke2fs -d from a guest skeleton, bytes changed at seeded random offsets of their metadata
 * (superblock, group descriptors, block and inode bitmaps, the first inodes of the inode table,
 * the blocks of the directories injection walks), then {@code e2fsck -fn}, an injection through
 * {@link DiskInjector} as the CLI runs it, and {@code e2fsck -fn} again.
 *
 * <p>Asserted for every case: no crash (only the typed refusals {@link io.guestdata.inject.fs.GuestFsException},
 * {@link IOException}, {@link BackendUnavailableException} may leave {@code inject}), no hang
 * ({@value #CASE_TIMEOUT_S} s per injection), no successful injection (outcome DONE) when e2fsck
 * reported a superblock, group descriptor or bitmap problem before, and no e2fsck problem after the
 * run that was not there before (problem lines compared with numbers normalised away, so a count
 * that was already wrong may change its value; not compared when the run left the image byte for
 * byte as it was, a refused open for instance). Every failure names the seed and the case;
 * {@code -Dfuzz.seed=N} replays a run, {@code -Dfuzz.cases=N} sets the cases per filesystem type,
 * {@code -Dfuzz.budgetSeconds=N} the time after which no new case starts (default 75 s; on these
 * 2-core machines 300 cases take 30-50 s, 75 s when other jobs load them).
 *
 * <p>libext2fs runs in this JVM: a crash inside it (SIGSEGV) would end the test JVM, which surefire
 * reports as a crashed fork naming this class; the seed printed first replays it.
 */
@ToolTest
class MutationFuzzTest {

    static final int CASE_TIMEOUT_S = 30;
    private static final int DEFAULT_CASES_PER_TYPE = 100;
    /** Wall-clock budget for the cases (image building not counted): the suite stays bounded on a loaded machine. */
    private static final long DEFAULT_BUDGET_S = 75;

    /** e2fsck problem lines about the superblock, the descriptors or the bitmaps (pass 5 and the opening checks). */
    private static final Pattern DESCRIPTOR_OR_BITMAP = Pattern.compile("(?i)bitmap|group descriptor|descriptors look bad"
            + "|count wrong|for group|super-?block|first_data_block|blocks_count|inodes_count|per_group|padding at end"
            + "|reserved_gdt|r_blocks_count|desc_size|log_block_size");
    /**
     * Lines that are no problem: banners, pass headers, the summary, and the backtrace e2fsck prints
     * when it crashes (SIGFPE in ext2fs_open2 when a flipped bit turns 64bit on with s_desc_size 0,
     * seed -8627840764810821537 case 43), whose frames carry addresses ("[0x...]", "(+0x...)") that
     * differ from run to run. The "Signal (8) SIGFPE ... fault addr=0x..." line stays a problem,
     * its hex normalised as numbers are.
     */
    private static final Pattern NOISE = Pattern.compile("^(e2fsck \\d|Pass \\d|\\S+: \\d+/\\d+ files|\\s*$"
            + "|\\S+: \\*+ WARNING: Filesystem still has errors)|\\[0x|\\(\\+0x");

    @TempDir
    Path dir;

    private final DiskInjector injector = new DiskInjector(new FilesystemBackends(List.of(new Ext2fsBackend())),
            RandomGenerator.of("L64X128MixRandom"));

    /** A metadata region of the base image, in bytes. */
    private record Region(String name, long start, long length) {
    }

    private record Base(String type, Path image, List<Region> regions) {
    }

    /** What e2fsck -fn said: exit status, normalised problem lines. */
    private record Fsck(int exit, Set<String> problems) {
        /**
         * Journal and timestamp lines ("last write time ... is in the future") are neither; nor is "Filesystem has
         * large directories, but lacks LARGE_DIR flag in superblock", which e2fsck's pass 2 derives from one
         * directory inode's htree depth (a mutated inode; seed -2266048684188014454 case 85), not from the
         * superblock or the descriptors.
         */
        boolean descriptorOrBitmap() {
            return exit >= 8 || problems.stream().anyMatch(p -> !p.toLowerCase().contains("journal")
                    && !p.toLowerCase().contains(" time ") && !p.contains("lacks LARGE_DIR flag")
                    && DESCRIPTOR_OR_BITMAP.matcher(p).find());
        }
    }

    @Test
    void mutatedMetadataIsRefusedOrLeftNoWorse() throws Exception {
        long seed = Long.getLong("fuzz.seed", new SplittableRandom().nextLong());
        int perType = Integer.getInteger("fuzz.cases", DEFAULT_CASES_PER_TYPE);
        long budgetNanos = TimeUnit.SECONDS.toNanos(Long.getLong("fuzz.budgetSeconds", DEFAULT_BUDGET_S));
        System.out.println("MutationFuzzTest: seed " + seed + " (replay with -Dfuzz.seed=" + seed + "), " + perType
                + " cases per filesystem type");
        SplittableRandom random = new SplittableRandom(seed);
        List<Base> bases = List.of(base("ext2", "-b", "1024"), base("ext3", "-b", "1024"),
                base("ext4", "-b", "4096"));
        Instance instance = Instances.full();
        List<String> failures = new ArrayList<>();
        int done = 0;
        int ran = 0;
        int refusedBefore = 0;
        int corruptBefore = 0;
        long started = System.nanoTime();
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> Thread.ofPlatform().daemon().unstarted(r));
        try {
            for (int n = 0; n < perType * bases.size(); n++) {
                if (System.nanoTime() - started > budgetNanos) {
                    System.out.println("MutationFuzzTest: time budget of " + TimeUnit.NANOSECONDS.toSeconds(budgetNanos)
                            + " s spent after " + n + " cases (a loaded machine); the rest are left out");
                    break;
                }
                ran = n + 1;
                Base base = bases.get(n % bases.size());
                String name = "seed " + seed + " case " + n + " (" + base.type() + ")";
                Path img = dir.resolve("case.img");
                Files.copy(base.image(), img, StandardCopyOption.REPLACE_EXISTING);
                String mutation = mutate(img, base.regions(), random);
                name += ": " + mutation;
                Fsck before = fsck(img);
                String unchanged = Ext2Tools.sha256(img);
                if (before.descriptorOrBitmap()) {
                    corruptBefore++;
                }
                String outcome;
                Path lastImage = img;
                Future<InjectionReport> run = worker.submit(() -> injector.inject(lastImage, instance,
                        InjectionOptions.defaults().withPartition(0)
                                .withExport(QemuStorageExport.Settings.defaults().withTempRoot(dir))));
                try {
                    InjectionReport report = run.get(CASE_TIMEOUT_S, TimeUnit.SECONDS);
                    outcome = report.outcome().name();
                    if (report.outcome() == Outcome.DONE) {
                        done++;
                        if (before.descriptorOrBitmap()) {
                            failures.add(name + ": injection DONE although e2fsck reported " + before.problems());
                        }
                    }
                } catch (TimeoutException e) {
                    run.cancel(true);
                    failures.add(name + ": no answer within " + CASE_TIMEOUT_S + " s");
                    break; // the worker may still hold the image
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (!(cause instanceof io.guestdata.inject.fs.GuestFsException || cause instanceof IOException
                            || cause instanceof BackendUnavailableException)) {
                        failures.add(name + ": crashed with " + cause);
                        cause.printStackTrace(System.out);
                    }
                    outcome = "refused at open: " + cause.getMessage();
                    if (before.descriptorOrBitmap()) {
                        refusedBefore++;
                    }
                }
                if (Ext2Tools.sha256(img).equals(unchanged)) {
                    continue; // the run left the image byte for byte as it was: nothing can be new
                }
                Fsck after = fsck(img);
                Set<String> added = new LinkedHashSet<>(after.problems());
                added.removeAll(before.problems());
                if (!added.isEmpty() || (before.exit() == 0 && after.exit() != 0)) {
                    failures.add(name + ": " + outcome + "; e2fsck after the run found new problems " + added
                            + " (exit " + before.exit() + " -> " + after.exit() + "; before: " + before.problems() + ")");
                }
            }
        } finally {
            worker.shutdownNow();
        }
        System.out.printf("MutationFuzzTest: %d cases in %.1f s; e2fsck saw descriptor/bitmap problems in %d, refused"
                        + " at open %d of those; %d injections DONE; %d failures%n", ran,
                (System.nanoTime() - started) / 1e9, corruptBefore, refusedBefore, done, failures.size());
        failures.forEach(f -> System.out.println("MutationFuzzTest FAILURE " + f));
        assertTrue(failures.isEmpty(), () -> failures.size() + " failures, first: " + failures.getFirst());
    }

    // --- images --------------------------------------------------------------------------------

    private Base base(String type, String... options) throws IOException {
        Path tree = Files.createDirectories(dir.resolve("tree-" + type));
        Path t = GuestImages.skeleton(tree);
        Files.createDirectories(t.resolve("root/.ssh"));
        Files.writeString(t.resolve("root/.ssh/authorized_keys"), "ssh-ed25519 AAAAC3Nza old@key\n");
        Files.createDirectories(t.resolve("etc/network"));
        Files.createDirectories(t.resolve("etc/selinux"));
        Files.writeString(t.resolve("etc/rc.local"), "#!/bin/sh\nexit 0\n");
        for (int i = 0; i < 12; i++) {
            Files.writeString(t.resolve("etc/conf" + i), "x".repeat(300 * i));
        }
        Path img = dir.resolve(type + ".img");
        List<String> all = new ArrayList<>(List.of("-t", type));
        all.addAll(List.of(options));
        GuestImages.wholeDisk(dir, type + ".img", t, 8, all.toArray(String[]::new));
        assertEquals(0, fsck(img).exit(), type + " base image is clean");
        return new Base(type, img, regions(img));
    }

    /** Superblock, descriptors, group 0's bitmaps and first inodes, the walked directories' blocks. */
    private static List<Region> regions(Path img) {
        String dump = Ext2Tools.runOk(List.of("dumpe2fs", img.toString())).stdout();
        long bs = field(dump, "Block size:\\s+(\\d+)");
        long inodeSize = field(dump, "Inode size:\\s+(\\d+)");
        long groups = (field(dump, "Block count:\\s+(\\d+)") + field(dump, "Blocks per group:\\s+(\\d+)") - 1)
                / field(dump, "Blocks per group:\\s+(\\d+)");
        long ipg = field(dump, "Inodes per group:\\s+(\\d+)");
        List<Region> r = new ArrayList<>();
        r.add(new Region("superblock", 1024, 1024));
        long gdt = field(dump, "Group descriptors at (\\d+)");
        r.add(new Region("group descriptors", gdt * bs, groups * (dump.contains(" 64bit") ? 64 : 32)));
        r.add(new Region("block bitmap of group 0", field(dump, "Block bitmap at (\\d+)") * bs, bs));
        r.add(new Region("inode bitmap of group 0", field(dump, "Inode bitmap at (\\d+)") * bs, ipg / 8));
        r.add(new Region("first 32 inodes", field(dump, "Inode table at (\\d+)") * bs, 32 * inodeSize));
        for (String d : List.of("/", "/etc", "/root", "/root/.ssh")) {
            String blocks = Ext2Tools.debugfs(img, 0, "blocks " + d).stdout().strip();
            for (String b : blocks.split("\\s+")) {
                r.add(new Region("directory " + d + " block " + b, Long.parseLong(b) * bs, bs));
            }
        }
        return r;
    }

    private static long field(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) {
            throw new AssertionError("dumpe2fs has no " + regex);
        }
        return Long.parseLong(m.group(1));
    }

    /** One to three seeded changes inside one region; says what was done. */
    private static String mutate(Path img, List<Region> regions, SplittableRandom random) throws IOException {
        Region region = regions.get(random.nextInt(regions.size()));
        StringBuilder what = new StringBuilder(region.name());
        try (RandomAccessFile f = new RandomAccessFile(img.toFile(), "rw")) {
            int changes = 1 + random.nextInt(3);
            for (int c = 0; c < changes; c++) {
                long at = region.start() + random.nextLong(region.length());
                int kind = random.nextInt(5);
                f.seek(at);
                int old = f.read();
                f.seek(at);
                switch (kind) {
                    case 0 -> f.write(old ^ (1 << random.nextInt(8)));
                    case 1 -> f.write(random.nextInt(256));
                    case 2 -> f.write(0);
                    case 3 -> f.write(0xff);
                    default -> {
                        at = region.start() + (random.nextLong(Math.max(1, region.length() - 4)) & ~3L);
                        f.seek(at);
                        int v = random.nextInt();
                        f.write(new byte[] {(byte) v, (byte) (v >> 8), (byte) (v >> 16), (byte) (v >> 24)});
                    }
                }
                what.append(String.format(" @%d:%s", at - region.start(),
                        List.of("flip", "byte", "zero", "0xff", "u32").get(kind)));
            }
        }
        return what.toString();
    }

    private static Fsck fsck(Path img) {
        Command.Result r = Ext2Tools.run(List.of("timeout", "60", "e2fsck", "-fn", img.toString()));
        Set<String> problems = new LinkedHashSet<>();
        for (String line : (r.stdout() + "\n" + r.stderr()).split("\n")) {
            if (NOISE.matcher(line).find()) {
                continue;
            }
            problems.add(line.replace(img.toString(), "IMG").replaceAll("0x\\p{XDigit}+", "0xN")
                    .replaceAll("\\d+", "N").strip());
        }
        return new Fsck(r.exit(), problems);
    }
}
