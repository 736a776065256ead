#!/usr/bin/python3
"""Read a NoCloud seed with cloud-init's own NoCloud datasource and print what it found.

Usage: /usr/bin/python3 cloudinit_nocloud.py SEED_DIR

Runs Debian's cloud-init (22.4) as a library: DataSourceNoCloud._get_data() reads SEED_DIR as its
seed directory (util.pathprefix2dict, the same reader it runs on a mounted cidata volume). Only what
would look at *this* host is switched off, so that the seed alone decides:
  * the DMI serial and the kernel command line (ds=nocloud;... there would add metadata) read as empty;
  * the device scan for a cidata volume is disabled (fs_label: null in the datasource config).
Prints one JSON object on stdout, with the same keys cloudinit_configdrive.py prints where both
datasources have them; exit 0 when the datasource claimed the seed, 3 when not.
"""
import json
import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cloudinit_results import b64, parts  # noqa: E402


def main(seed):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from cloudinit import distros, helpers, util
    from cloudinit import user_data
    from cloudinit.sources import DataSourceNoCloud as nc

    nc.dmi.read_dmi_data = lambda key: None
    util.get_cmdline = lambda: ""

    work = tempfile.mkdtemp(prefix="guestdata-ci-")
    paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
    distro = distros.fetch("debian")("debian", {}, paths)
    sys_cfg = {"datasource_list": ["NoCloud"], "datasource": {"NoCloud": {"fs_label": None}}}
    ds = nc.DataSourceNoCloud(sys_cfg, distro, paths)
    ds.seed_dirs = [seed]

    claimed = ds._get_data()
    out = {"claimed": bool(claimed)}
    if claimed:
        hostname = ds.get_hostname()
        random_seed = ds.metadata.get("random_seed")
        processor = user_data.UserDataProcessor(paths)
        out.update({
            "dsmode": ds.dsmode,
            "instance_id": ds.get_instance_id(),
            "local_hostname": ds.metadata.get("local-hostname"),
            "hostname": getattr(hostname, "hostname", hostname),
            "availability_zone": ds.availability_zone,
            "public_ssh_keys": ds.get_public_ssh_keys(),
            "metadata_keys": sorted(ds.metadata.keys()),
            "userdata_b64": b64(ds.userdata_raw),
            "vendordata_raw_b64": b64(ds.vendordata_raw),
            "vendordata_parts": parts(processor, ds.vendordata_raw),
            "network_config": ds.network_config,
            "random_seed_type": type(random_seed).__name__,
            "random_seed_len": len(random_seed or b""),
            "platform": ds.platform_type,
        })
    json.dump(out, sys.stdout, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0 if claimed else 3


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.stderr.write("usage: cloudinit_nocloud.py SEED_DIR\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1]))
