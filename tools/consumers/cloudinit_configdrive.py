#!/usr/bin/python3
"""Read a config drive tree with cloud-init's own ConfigDrive datasource and print what it found.

Usage: /usr/bin/python3 cloudinit_configdrive.py TREE_DIR [KNOWN_MACS_JSON]

Runs Debian's cloud-init (22.4) as a library: DataSourceConfigDrive._get_data() reads TREE_DIR
as its seed directory (the same code path as a mounted drive: read_config_drive -> read_v2/v1).
Only two things are redirected, both to keep the host untouched:
  * on_first_boot, which would write the drive's injected files onto *this* machine's
    filesystem and apply network config, is replaced by a recorder;
  * known_macs is set from the network_data links, so convert_net_json matches links to
    NICs by MAC without looking at this host's interfaces: the link at index i with a MAC is
    NIC "eth<i>", or KNOWN_MACS_JSON (a JSON object, MAC -> NIC name) when given.
Prints one JSON object on stdout; exit 0 when the datasource claimed the drive, 3 when not.
"""
import copy
import json
import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from cloudinit_results import b64, parts, recorder  # noqa: E402


def main(tree, known_macs=None):
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    from cloudinit import distros, helpers
    from cloudinit import user_data
    from cloudinit.sources import DataSourceConfigDrive as cd

    first_boot = {}

    def record_first_boot(data, distro=None, network=True):
        first_boot["files"] = sorted((data.get("files") or {}).keys())
        first_boot["network"] = network

    cd.on_first_boot = record_first_boot
    read = recorder(cd, "read_config_drive")

    work = tempfile.mkdtemp(prefix="guestdata-ci-")
    paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
    distro = distros.fetch("debian")("debian", {}, paths)
    ds = cd.DataSourceConfigDrive({"datasource_list": ["ConfigDrive"]}, distro, paths)
    ds.seed_dir = tree
    # Match links to NICs by their MACs (as a guest would find them), not the host's NICs.
    try:
        with open(os.path.join(tree, "openstack", "latest", "network_data.json")) as f:
            nd = json.load(f)
        ds.known_macs = {
            link["ethernet_mac_address"].lower(): "eth%d" % i
            for i, link in enumerate(nd.get("links", []))
            if link.get("ethernet_mac_address")
        }
    except (OSError, ValueError):
        ds.known_macs = {}
    if known_macs is not None:
        ds.known_macs = known_macs

    claimed = ds._get_data()
    out = {"claimed": bool(claimed)}
    if claimed:
        # Snapshot what was read before network_config runs: convert_net_json rewrites the
        # network_json services in place (type dns -> nameserver).
        network_json = copy.deepcopy(ds.network_json)
        hostname = ds.get_hostname()
        out.update({
            "version": ds.version,
            "source": ds.source,
            "dsmode": ds.dsmode,
            "instance_id": ds.get_instance_id(),
            "local_hostname": ds.metadata.get("local-hostname"),
            "hostname": getattr(hostname, "hostname", hostname),
            "availability_zone": ds.availability_zone,
            "public_ssh_keys": ds.get_public_ssh_keys(),
            "meta": ds.metadata.get("meta"),
            "metadata_keys": sorted(ds.metadata.keys()),
            "userdata_b64": b64(ds.userdata_raw),
            "vendordata": read.get("vendordata"),
            "vendordata2": read.get("vendordata2"),
            "vendordata_raw_b64": b64(vendordata_raw_text(ds.vendordata_raw)),
            "vendordata_parts": parts(user_data.UserDataProcessor(paths), ds.vendordata_raw),
            "network_json": network_json,
            "network_config": ds.network_config,
            "network_eni": ds.network_eni,
            "files_b64": {k: b64(v) for k, v in sorted(ds.files.items())},
            "first_boot": first_boot,
            "ec2_metadata": ds.ec2_metadata,
            "random_seed_len": len(ds.metadata.get("random_seed") or b""),
        })
    json.dump(out, sys.stdout, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0 if claimed else 3


def vendordata_raw_text(raw):
    """vendordata_raw as text; a list (convert_vendordata passes lists through) as its JSON."""
    if isinstance(raw, list):
        return json.dumps(raw)
    return raw


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.stderr.write("usage: cloudinit_configdrive.py TREE_DIR [KNOWN_MACS_JSON]\n")
        sys.exit(2)
    sys.exit(main(sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) == 3 else None))
