/**
 * FAT (VFAT, long file names) image writer for config drives: {@link io.guestdata.drive.vfat.VfatWriter}
 * with {@link io.guestdata.drive.vfat.FatOptions}. One class per on-disk structure of the Microsoft
 * FAT specification 1.03 ("FAT: General Overview of On-Disk Format"), each citing the section it
 * follows.
 */
package io.guestdata.drive.vfat;
