#!/usr/bin/python3
"""Read the metadata service with cloud-init's own EC2 datasource and print what it found.

Usage: /usr/bin/python3 cloudinit_ec2_http.py BASE_URL [--aws]
           [--proxy-secret S --instance-id UUID --tenant-id T] [--max-wait SECONDS]

Runs Debian's cloud-init (22.4) as a library: DataSourceEc2._get_data() with metadata_urls =
[BASE_URL] (nova-compat.md §9.3). The platform is what this host's DMI says (not AWS: no token, the
IMDSv1 probe of 2009-04-04/meta-data/instance-id, as against Nova), unless --aws, which sets the cloud
name to "aws" as cloud-init would find it on EC2 (or on a Nova instance whose UUID starts with "ec2"):
then cloud-init PUTs /latest/api/token first and sends X-aws-ec2-metadata-token on every request.
With --proxy-secret, requests go through a local stand-in for Neutron's metadata proxy
(metadata_signing_proxy.py). Prints one JSON object on stdout; exit 0 when claimed, 3 when not.
"""
import argparse
import base64
import json
import logging
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metadata_signing_proxy  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("base_url")
    p.add_argument("--aws", action="store_true")
    p.add_argument("--proxy-secret")
    p.add_argument("--instance-id")
    p.add_argument("--tenant-id")
    p.add_argument("--max-wait", type=int, default=10, help="seconds to wait for the service (cloud-init's max_wait)")
    args = p.parse_args()
    logging.basicConfig(level=logging.DEBUG if os.environ.get("HARNESS_DEBUG") else logging.WARNING, stream=sys.stderr)

    from cloudinit import distros, helpers
    from cloudinit.sources import DataSourceEc2 as dse

    base = args.base_url
    stop = None
    if args.proxy_secret is not None:
        base, stop = metadata_signing_proxy.start(args.base_url, args.instance_id, args.proxy_secret, args.tenant_id)

    work = tempfile.mkdtemp(prefix="guestdata-ci-ec2-")
    paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
    distro = distros.fetch("debian")("debian", {}, paths)
    sys_cfg = {"datasource_list": ["Ec2"],
               "datasource": {"Ec2": {"metadata_urls": [base], "max_wait": args.max_wait, "timeout": 5, "retries": 1}}}
    ds = dse.DataSourceEc2(sys_cfg, distro, paths)
    if args.aws:
        ds._cloud_name = dse.CloudNames.AWS
    try:
        claimed = ds._get_data()
    finally:
        if stop:
            stop()
    out = {"claimed": bool(claimed)}
    if claimed:
        out.update({
            "cloud_name": ds.cloud_name,
            "api_version": ds._crawled_metadata.get("_metadata_api_version"),
            "used_token": bool(ds._api_token),
            "instance_id": ds.get_instance_id(),
            "local_hostname": ds.metadata.get("local-hostname"),
            "availability_zone": ds.availability_zone,
            "public_ssh_keys": ds.get_public_ssh_keys(),
            "launch_index": ds.launch_index,
            "metadata": ds.metadata,
            "userdata_b64": None if ds.userdata_raw is None else base64.b64encode(
                ds.userdata_raw if isinstance(ds.userdata_raw, bytes) else ds.userdata_raw.encode()).decode(),
            "identity": ds.identity,
        })
    json.dump(out, sys.stdout, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0 if claimed else 3


if __name__ == "__main__":
    sys.exit(main())
