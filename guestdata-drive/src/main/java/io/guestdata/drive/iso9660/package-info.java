/**
 * ISO 9660 (ECMA-119) image writer with Rock Ridge (SUSP 1.12, RRIP 1991A) and Joliet, producing
 * what Nova's {@code genisoimage -o <path> -ldots -allow-lowercase -allow-multidot -l -publisher
 * "<product> <version>" -quiet -J -r -V config-2 <tmpdir>} produces, in process and streaming.
 *
 * <p>Entry point: {@link io.guestdata.drive.iso9660.Iso9660Writer}, configured by
 * {@link io.guestdata.drive.iso9660.IsoOptions}. One class per on-disk structure:
 * {@code PrimaryVolumeDescriptor} (§8.4), {@code SupplementaryVolumeDescriptor} (§8.5, Joliet),
 * {@code VolumeDescriptorSetTerminator} (§8.3), {@code PathTable} (§9.4), {@code DirectoryRecord}
 * (§9.1), {@code SuspEntry} (SUSP 1.12 §4–5), {@code RockRidgeEntries} (RRIP 1.12 §4.1),
 * {@code SystemUseField} (§9.1.13 and SUSP continuation areas).
 *
 * <h2>Matched with genisoimage (checked by {@code NovaConfigDriveComparisonTest})</h2>
 * <ul>
 *   <li>Volume identifier as given ({@code config-2}, lower case), publisher, system identifier
 *       {@code LINUX}, Joliet UCS-2 level 3, Rock Ridge announced by {@code SP} and an
 *       {@code ER RRIP_1991A} entry (in a continuation area of the root's "{@code .}").
 *   <li>{@code -r} attribute normalisation: files {@code 0100444}, directories {@code 040555},
 *       uid/gid 0, directory link count 2 + subdirectories; {@code TF} with modify, access and
 *       attribute times.
 *   <li>Primary names for Nova trees identical ({@code meta_data.json;1}, {@code 0000.;1},
 *       {@code 2012_08_10}); Joliet names without {@code ;1}; directories deeper than 8 levels
 *       relocated through a visible {@code rr_moved} with {@code CL}/{@code PL}/{@code RE}.
 * </ul>
 *
 * <h2>Deliberately different</h2>
 * <ul>
 *   <li>{@code PX} is 36 bytes (no file serial number) and the obsolete RRIP 1.09 {@code RR}
 *       entry is not written (genisoimage writes it; no reader needs it).
 *   <li>Joliet names over 64 UTF-16 units are cut keeping an extension of up to 16 units (genisoimage
 *       cuts at 64 and loses it); characters outside the BMP are recorded as surrogate pairs
 *       (genisoimage drops them); forbidden characters become {@code _}; clashes get {@code ~k}.
 *   <li>Primary names: level-2 lengths with the extension kept to 8 characters when cut;
 *       uniqueness ignores case, version and trailing dots (genisoimage is case-sensitive);
 *       fallbacks end in {@code _k}.
 *   <li>Empty files have extent 0; the image is padded to a multiple of 4096 bytes, not with
 *       genisoimage's 150 extra sectors.
 *   <li>All times are {@link io.guestdata.drive.iso9660.IsoOptions#recordedAt()}, so output is
 *       deterministic.
 * </ul>
 *
 * <h2>Limits (ImageException naming the path and the limit)</h2>
 * Name over 255 UTF-8 bytes, path over 4095, file over 4 GiB − 1 (single extent), more than 65535
 * directories, image over 2<sup>32</sup> − 1 blocks; invalid paths, duplicates and file/directory
 * clashes.
 */
package io.guestdata.drive.iso9660;
