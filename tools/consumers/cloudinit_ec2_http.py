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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudinit_http  # noqa: E402
from cloudinit_results import b64  # noqa: E402


def main():
    p = cloudinit_http.parser()
    p.add_argument("--aws", action="store_true")
    args = p.parse_args()
    from cloudinit.sources import DataSourceEc2 as dse

    def make(sys_cfg, distro, paths):
        ds = dse.DataSourceEc2(sys_cfg, distro, paths)
        if args.aws:
            ds._cloud_name = dse.CloudNames.AWS
        return ds

    ds, claimed, _ = cloudinit_http.read(args, "Ec2", make)
    return cloudinit_http.emit(claimed, lambda: {
        "cloud_name": ds.cloud_name,
        "api_version": ds._crawled_metadata.get("_metadata_api_version"),
        "used_token": bool(ds._api_token),
        "instance_id": ds.get_instance_id(),
        "local_hostname": ds.metadata.get("local-hostname"),
        "availability_zone": ds.availability_zone,
        "public_ssh_keys": ds.get_public_ssh_keys(),
        "launch_index": ds.launch_index,
        "metadata": ds.metadata,
        "userdata_b64": b64(ds.userdata_raw),
        "identity": ds.identity,
    })


if __name__ == "__main__":
    sys.exit(main())
