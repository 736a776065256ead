#!/usr/bin/python3
"""Read the metadata service with cloud-init's own OpenStack (HTTP) datasource and print what it found.

Usage: /usr/bin/python3 cloudinit_openstack_http.py BASE_URL
           [--proxy-secret S --instance-id UUID --tenant-id T] [--max-wait SECONDS]

Runs Debian's cloud-init (22.4) as a library: DataSourceOpenStack._get_data() with metadata_urls =
[BASE_URL] reads /openstack, the version, meta_data.json, user_data, vendor_data*.json,
network_data.json and crawls the EC2 tree, as in a guest (nova-compat.md §9.2). What is changed, and
only to run on this host:
  * the platform check (DMI product name "OpenStack Nova") is answered yes: this host is not a VM;
  * the EC2 crawl, which cloud-init hard-codes to http://169.254.169.254, is pointed at BASE_URL.
With --proxy-secret, requests go through a local stand-in for Neutron's metadata proxy that adds the
signed X-Instance-ID headers (metadata_signing_proxy.py): the service's proxy mode.
Prints one JSON object on stdout; exit 0 when the datasource claimed the service, 3 when not.
"""
import argparse
import copy
import functools
import json
import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metadata_signing_proxy  # noqa: E402
from cloudinit_results import b64  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base_url")
    p.add_argument("--proxy-secret")
    p.add_argument("--instance-id")
    p.add_argument("--tenant-id")
    p.add_argument("--max-wait", type=int, default=10, help="seconds to wait for the service (cloud-init's max_wait)")
    args = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if os.environ.get("HARNESS_DEBUG") else logging.WARNING, stream=sys.stderr)

    from cloudinit import distros, helpers
    from cloudinit.sources import DataSourceOpenStack as dso
    from cloudinit.sources.helpers import openstack as helper

    base = args.base_url
    stop = None
    if args.proxy_secret is not None:
        base, stop = metadata_signing_proxy.start(args.base_url, args.instance_id, args.proxy_secret, args.tenant_id)

    dso.detect_openstack = lambda accept_oracle=False: True
    helper.ec2.get_instance_metadata = functools.partial(helper.ec2.get_instance_metadata, metadata_address=base)

    work = tempfile.mkdtemp(prefix="guestdata-ci-os-")
    paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
    distro = distros.fetch("debian")("debian", {}, paths)
    sys_cfg = {"datasource_list": ["OpenStack"],
               "datasource": {"OpenStack": {"metadata_urls": [base], "max_wait": args.max_wait, "timeout": 5, "retries": 1}}}
    ds = dso.DataSourceOpenStack(sys_cfg, distro, paths)
    try:
        claimed = ds._get_data()
    finally:
        if stop:
            stop()
    out = {"claimed": bool(claimed)}
    if claimed:
        network_json = copy.deepcopy(ds.network_json)
        hostname = ds.get_hostname()
        out.update({
            "version": ds.version,
            "metadata_address": ds.metadata_address == base,
            "instance_id": ds.get_instance_id(),
            "local_hostname": ds.metadata.get("local-hostname"),
            "hostname": getattr(hostname, "hostname", hostname),
            "availability_zone": ds.availability_zone,
            "public_ssh_keys": ds.get_public_ssh_keys(),
            "meta": ds.metadata.get("meta"),
            "metadata_keys": sorted(ds.metadata.keys()),
            "project_id": ds.metadata.get("project_id"),
            "userdata_b64": b64(ds.userdata_raw),
            "vendordata": ds.vendordata_pure,
            "vendordata2": ds.vendordata2_pure,
            "network_json": network_json,
            "files": sorted(ds.files.keys()),
            "files_b64": {k: b64(v) for k, v in sorted(ds.files.items())},
            "ec2_metadata": ds.ec2_metadata,
            "random_seed_len": len(ds.metadata.get("random_seed") or b""),
        })
    json.dump(out, sys.stdout, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0 if claimed else 3


if __name__ == "__main__":
    sys.exit(main())
