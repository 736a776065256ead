package io.guestdata.inject.fs;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.guestdata.inject.fs.GuestFsException.Kind;

/**
 * Decides from the superblock whether guestdata may open a filesystem, before libext2fs opens it
 * and again on libext2fs' own copy afterwards. libext2fs refuses only features it does not know;
 * it happily opens, read-write, a filesystem whose journal needs recovery (mounted by a running
 * guest, or crashed) or that has errors recorded. Writing then corrupts it, so this check comes
 * first.
 *
 * <p>Feature bits: {@code ext2_fs.h} ({@code EXT*_FEATURE_*}). Compat features are by definition
 * safe to ignore and are not looked at.
 */
final class Ext2FeatureCheck {

    // s_feature_incompat
    static final int INCOMPAT_COMPRESSION = 0x0001;
    static final int INCOMPAT_FILETYPE = 0x0002;
    static final int INCOMPAT_RECOVER = 0x0004;
    static final int INCOMPAT_JOURNAL_DEV = 0x0008;
    static final int INCOMPAT_META_BG = 0x0010;
    static final int INCOMPAT_EXTENTS = 0x0040;
    static final int INCOMPAT_64BIT = 0x0080;
    static final int INCOMPAT_MMP = 0x0100;
    static final int INCOMPAT_FLEX_BG = 0x0200;
    static final int INCOMPAT_EA_INODE = 0x0400;
    static final int INCOMPAT_DIRDATA = 0x1000;
    static final int INCOMPAT_CSUM_SEED = 0x2000;
    static final int INCOMPAT_LARGEDIR = 0x4000;
    static final int INCOMPAT_INLINE_DATA = 0x8000;
    static final int INCOMPAT_ENCRYPT = 0x10000;
    static final int INCOMPAT_CASEFOLD = 0x20000;

    /** {@code EXT2_LIB_FEATURE_COMPAT_SUPP}: the compat features libext2fs and e2fsck 1.47 know. */
    static final int COMPAT_KNOWN = 0x1e3f;

    // s_feature_ro_compat
    static final int RO_COMPAT_SPARSE_SUPER = 0x0001;
    static final int RO_COMPAT_LARGE_FILE = 0x0002;
    static final int RO_COMPAT_HUGE_FILE = 0x0008;
    static final int RO_COMPAT_GDT_CSUM = 0x0010;
    static final int RO_COMPAT_DIR_NLINK = 0x0020;
    static final int RO_COMPAT_EXTRA_ISIZE = 0x0040;
    static final int RO_COMPAT_HAS_SNAPSHOT = 0x0080;
    static final int RO_COMPAT_QUOTA = 0x0100;
    static final int RO_COMPAT_BIGALLOC = 0x0200;
    static final int RO_COMPAT_METADATA_CSUM = 0x0400;
    static final int RO_COMPAT_REPLICA = 0x0800;
    static final int RO_COMPAT_READONLY = 0x1000;
    static final int RO_COMPAT_PROJECT = 0x2000;
    static final int RO_COMPAT_SHARED_BLOCKS = 0x4000;
    static final int RO_COMPAT_VERITY = 0x8000;
    static final int RO_COMPAT_ORPHAN_PRESENT = 0x10000;

    /** Incompat features written and checked by the tests (mke2fs variants, e2fsck -fn after every write). */
    static final int INCOMPAT_WRITABLE = INCOMPAT_FILETYPE | INCOMPAT_META_BG | INCOMPAT_EXTENTS
            | INCOMPAT_64BIT | INCOMPAT_FLEX_BG | INCOMPAT_EA_INODE | INCOMPAT_CSUM_SEED | INCOMPAT_LARGEDIR;

    /** Ro-compat features written and checked by the tests. VERITY: verity inodes themselves are refused. */
    static final int RO_COMPAT_WRITABLE = RO_COMPAT_SPARSE_SUPER | RO_COMPAT_LARGE_FILE | RO_COMPAT_HUGE_FILE
            | RO_COMPAT_GDT_CSUM | RO_COMPAT_DIR_NLINK | RO_COMPAT_EXTRA_ISIZE | RO_COMPAT_METADATA_CSUM
            | RO_COMPAT_VERITY;

    /** Why each known incompat feature is refused for writing, in message order. */
    private static final Map<Integer, String> INCOMPAT_REFUSED = ordered(List.of(
            Map.entry(INCOMPAT_COMPRESSION,
                "compression: never supported by Linux or libext2fs"),
            Map.entry(INCOMPAT_JOURNAL_DEV,
                "journal_dev: this is an external journal device, not a filesystem"),
            Map.entry(INCOMPAT_MMP,
                "mmp (multi-mount protection): a read-write open waits about 11 s "
                        + "(2 x s_mmp_update_interval + 1) and rewrites the MMP block, and the feature exists "
                        + "because another host may have the filesystem mounted; open READ_ONLY, or clear it "
                        + "with tune2fs -O ^mmp when the image is known to be unused"),
            Map.entry(INCOMPAT_DIRDATA,
                "dirdata: Lustre directory entries, unknown to libext2fs"),
            Map.entry(INCOMPAT_INLINE_DATA,
                "inline_data: small files and directories live inside the inode; guestdata neither reads "
                        + "nor writes that layout (untested)"),
            Map.entry(INCOMPAT_ENCRYPT,
                "encrypt: names and contents in encrypted directories are ciphertext; an entry written "
                        + "without the key would be unreadable (untested)"),
            Map.entry(INCOMPAT_CASEFOLD,
                "casefold: case-insensitive directories hash names through an encoding table "
                        + "(untested with libext2fs)")));

    /** Why each known ro-compat feature is refused for writing, in message order. */
    private static final Map<Integer, String> RO_COMPAT_REFUSED = ordered(List.of(
            Map.entry(RO_COMPAT_HAS_SNAPSHOT,
                "has_snapshot: next3 snapshots, unknown to libext2fs writes"),
            Map.entry(RO_COMPAT_QUOTA,
                "quota: libext2fs writes do not update the quota files, so usage would be wrong "
                        + "(e2fsck -fn then reports \"Usage inconsistent\" and exits 4)"),
            Map.entry(RO_COMPAT_PROJECT,
                "project: libext2fs writes do not update project quota"),
            Map.entry(RO_COMPAT_BIGALLOC,
                "bigalloc: cluster allocation is untested here"),
            Map.entry(RO_COMPAT_REPLICA,
                "replica: not supported by libext2fs"),
            Map.entry(RO_COMPAT_READONLY,
                "readonly: the filesystem is marked read-only (tune2fs -O read-only)"),
            Map.entry(RO_COMPAT_SHARED_BLOCKS,
                "shared_blocks: blocks are deduplicated between files; a write would change several files"),
            Map.entry(RO_COMPAT_ORPHAN_PRESENT,
                "orphan_present: the orphan file has entries, so the filesystem is in use or crashed; "
                        + "boot or e2fsck it first")));

    /** Incompat features that even a read-only open refuses, because reads would be wrong. */
    static final int INCOMPAT_UNREADABLE = INCOMPAT_COMPRESSION | INCOMPAT_JOURNAL_DEV | INCOMPAT_DIRDATA
            | INCOMPAT_INLINE_DATA;

    private Ext2FeatureCheck() {
    }

    /**
     * Throws if the filesystem described by {@code sb} must not be opened in {@code mode}.
     *
     * @param image how the image is named in messages
     */
    static void check(Ext2SuperBlock sb, OpenMode mode, String image) throws GuestFsException {
        if (sb.magic() != Ext2SuperBlock.EXT2_SUPER_MAGIC) {
            throw refusal(Kind.OPEN_FAILED, image, String.format(
                    "no ext2/3/4 superblock (magic 0x%04x, expected 0xef53)", sb.magic()));
        }
        int unreadable = sb.featureIncompat() & (INCOMPAT_UNREADABLE | ~knownIncompat());
        if (unreadable != 0) {
            throw refusal(Kind.UNSUPPORTED_FEATURE, image, describe(unreadable, INCOMPAT_REFUSED, "incompat"));
        }
        if (mode == OpenMode.READ_ONLY) {
            return;
        }
        if (sb.hasIncompat(INCOMPAT_RECOVER)) {
            throw refusal(Kind.UNSAFE_STATE, image,
                    "the journal needs recovery (incompat needs_recovery): the filesystem is mounted by a "
                            + "running guest or was not cleanly unmounted; writing now would be overwritten "
                            + "or corrupted by the journal replay. Shut the guest down or run e2fsck first");
        }
        String state = stateProblem(sb.state());
        if (state != null) {
            throw refusal(Kind.UNSAFE_STATE, image, state);
        }
        int compat = sb.featureCompat() & ~COMPAT_KNOWN;
        if (compat != 0) {
            throw refusal(Kind.UNSUPPORTED_FEATURE, image, String.format("unsupported feature: unknown compat feature"
                    + " bits 0x%x; Linux would ignore them, but e2fsck refuses to check such a filesystem, so"
                    + " nothing can tell whether it is sound", compat));
        }
        int incompat = sb.featureIncompat() & ~INCOMPAT_WRITABLE & ~INCOMPAT_RECOVER;
        if (incompat != 0) {
            throw refusal(Kind.UNSUPPORTED_FEATURE, image, describe(incompat, INCOMPAT_REFUSED, "incompat"));
        }
        int roCompat = sb.featureRoCompat() & ~RO_COMPAT_WRITABLE;
        if (roCompat != 0) {
            Kind kind = (roCompat & RO_COMPAT_ORPHAN_PRESENT) != 0 ? Kind.UNSAFE_STATE : Kind.UNSUPPORTED_FEATURE;
            throw refusal(kind, image, describe(roCompat, RO_COMPAT_REFUSED, "ro_compat"));
        }
        if (sb.creatorOs() == Ext2SuperBlock.EXT2_OS_HURD) {
            throw refusal(Kind.UNSUPPORTED_FEATURE, image,
                    "created by GNU Hurd (s_creator_os 1), whose inodes use the OS-dependent fields "
                            + "differently; untested");
        }
    }

    private static String stateProblem(int state) {
        if ((state & Ext2SuperBlock.EXT2_ERROR_FS) != 0) {
            return String.format("errors are recorded in the superblock (s_state 0x%04x has EXT2_ERROR_FS); "
                    + "run e2fsck first", state);
        }
        if ((state & Ext2SuperBlock.EXT2_VALID_FS) == 0) {
            return String.format("not cleanly unmounted (s_state 0x%04x lacks EXT2_VALID_FS): mounted or "
                    + "crashed; shut the guest down or run e2fsck first", state);
        }
        if ((state & Ext2SuperBlock.EXT3_ORPHAN_FS) != 0) {
            return String.format("orphan inodes are being recovered (s_state 0x%04x has EXT3_ORPHAN_FS)", state);
        }
        if ((state & Ext2SuperBlock.EXT4_FC_REPLAY) != 0) {
            return String.format("a fast-commit replay is in progress (s_state 0x%04x has EXT4_FC_REPLAY)", state);
        }
        return null;
    }

    private static Map<Integer, String> ordered(List<Map.Entry<Integer, String>> entries) {
        Map<Integer, String> map = new LinkedHashMap<>();
        entries.forEach(e -> map.put(e.getKey(), e.getValue()));
        return Collections.unmodifiableMap(map);
    }

    private static int knownIncompat() {
        int known = INCOMPAT_RECOVER | INCOMPAT_WRITABLE;
        for (int bit : INCOMPAT_REFUSED.keySet()) {
            known |= bit;
        }
        return known;
    }

    private static String describe(int bits, Map<Integer, String> reasons, String field) {
        List<String> parts = new ArrayList<>();
        int unknown = bits;
        for (Map.Entry<Integer, String> reason : reasons.entrySet()) {
            if ((bits & reason.getKey()) != 0) {
                parts.add(reason.getValue());
                unknown &= ~reason.getKey();
            }
        }
        if (unknown != 0) {
            parts.add(String.format("unknown %s feature bits 0x%x", field, unknown));
        }
        return "unsupported feature: " + String.join("; ", parts);
    }

    private static GuestFsException refusal(Kind kind, String image, String detail) {
        return new GuestFsException(kind, "open " + image, null, detail);
    }
}
