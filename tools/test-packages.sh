# Sourced by ./run-tests: the Debian packages the test suite runs, and the check that installs them.
# One list, one place: .ci/run only calls ./run-tests, which calls guestdata_test_packages first.
#
# As root, missing packages are installed (apt-get, non-interactive). Otherwise the check stops at
# once, before Maven starts, with the exact apt-get line to run, instead of a test failing later.
# GUESTDATA_SKIP_PACKAGE_CHECK=1 skips it (e.g. a machine whose packages come from elsewhere).

GUESTDATA_TEST_PACKAGES=(
  # the real consumers and checkers the tests run
  cloud-init            # cloud-init 22.4: reads our config drive trees (as a library, /usr/bin/python3)
  python3-nova          # Nova 26.2.2's own code: the oracle our trees are compared against
  genisoimage           # isoinfo, and Nova's own ISO path (the oracle's ISO)
  xorriso               # reads our ISO images
  python3-pycdlib       # reads our ISO images (Rock Ridge, Joliet)
  mtools dosfstools     # mdir/mcopy, fsck.fat read our VFAT images
  python3-jsonschema    # checks the published JSON Schema agrees with the validator
  python3-botocore      # botocore 1.29's IMDS fetchers (IMDSv2 token, region, no-role credentials) read our service
  cloud-guest-utils     # cloud-utils' ec2metadata reads our service at 169.254.169.254 (in a network namespace)
  ignition              # Ignition 2.14's OpenStack fetch stage reads our service's user_data (in a network namespace)
  e2fsprogs util-linux  # mke2fs/e2fsck/debugfs check injected filesystems; blkid, setpriv, prlimit, runuser
  procps mount          # kill (the tests kill workers and injections; procps is not in a minimal Debian image); losetup
  libext2fs-dev gcc     # libext2fs (called through FFM); headers + gcc check our struct offsets
  librbd-dev librados-dev   # librbd/librados (called through FFM): LibRbdLayoutTest checks our offsets and constants
  qemu-utils            # qemu-img, qemu-io, qemu-nbd
  qemu-system-common qemu-block-extra fuse3   # qemu-storage-daemon exporting qcow2 etc. as raw (FUSE); its nbd and iscsi drivers
  tgt                   # tgtd, the user-space iSCSI target: the iscsi:// inject tests start a private one (own port and control socket)
  fdisk gdisk           # sfdisk/fdisk, sgdisk build the partitioned test images
  xfsprogs btrfs-progs  # filesystem detection tests; XFS images for the libguestfs backend
  libguestfs-tools libguestfs-java linux-image-amd64   # the libguestfs backend (XFS, btrfs, LVM) and guestfish for its checks; the appliance boots the host's kernel under TCG
  bubblewrap            # the sandbox the ext2fs worker runs in (guestdata inject, serve); runs Nova 31 in its Debian 13 root
  ceph-mon ceph-mgr ceph-osd ceph-common   # the RBD tests start their own single-node Ceph cluster (tools/ceph/ceph-cluster)
  python3-rbd python3-rados                # librbd from Python: the tests' checks of what was written
  postgresql            # the store's tests start their own throwaway PostgreSQL server (initdb, pg_ctl)
  openssh-client        # ssh-keygen: fingerprints are cross-checked against it
  openssl               # openssl passwd reproduces the injected SHA-512/MD5 password hashes
  # the end-to-end suite (guestdata-e2e): Debian 12 and Debian 13 guests built and booted here (it also uses
  # sfdisk and mkfs.fat, listed above, for its partitioned root disk)
  debootstrap debian-archive-keyring   # builds the guest's root filesystem from the Debian archive (then mke2fs -d), and the
                                       # Debian 13 root of the Nova 31 oracle (tools/nova-oracle/build-trixie-root, first use); the keyring verifies them
  qemu-system-x86       # boots it under TCG
  dnsmasq-base          # DHCP in the guests' network namespace (the metadata-service path)
  iproute2              # ip netns / veth / tuntap for that namespace
  # the Debian package's test (tools/package-test): installs the package and runs it from /usr/bin
  adduser               # the package's postinst creates its system user (dpkg -i does not pull dependencies)
  systemd               # systemd-analyze verify / security check the package's units (systemd need not be PID 1)
  man-db groff-base     # man -l, and groff -ww, render the generated man pages (warnings fail the test)
  curl                  # the installed serve's management API and config drive download
  maven
)

guestdata_missing_packages() {   # prints the packages of the list that are not installed
    local p
    for p in "${GUESTDATA_TEST_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || printf '%s\n' "$p"
    done
}

guestdata_test_packages() {
    [ "${GUESTDATA_SKIP_PACKAGE_CHECK:-0}" = 1 ] && return 0
    if ! command -v dpkg-query >/dev/null 2>&1; then
        echo "run-tests: this is not a Debian machine (no dpkg-query); install the equivalents of: ${GUESTDATA_TEST_PACKAGES[*]}" >&2
        echo "run-tests: then run again with GUESTDATA_SKIP_PACKAGE_CHECK=1" >&2
        return 2
    fi
    local missing
    missing=$(guestdata_missing_packages | tr '\n' ' ')
    missing="${missing% }"
    [ -z "$missing" ] && return 0
    if [ "$(id -u)" != 0 ]; then
        echo "run-tests: the tests need Debian packages that are not installed. Run, as root:" >&2
        echo "  apt-get install -y --no-install-recommends $missing" >&2
        echo "run-tests: then run ./run-tests again (the suite also needs root for loop devices, namespaces and the guest boots)." >&2
        return 2
    fi
    echo "run-tests: installing $missing" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
        echo "run-tests: apt-get could not install: $missing" >&2
        return 2
    }
}
