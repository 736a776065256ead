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
import copy
import functools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import cloudinit_http  # noqa: E402
from cloudinit_results import b64, recorder  # noqa: E402


def main():
    args = cloudinit_http.parser().parse_args()
    from cloudinit.sources import DataSourceOpenStack as dso
    from cloudinit.sources.helpers import openstack as helper
    read = recorder(dso, "read_metadata_service")

    def patch(base):
        dso.detect_openstack = lambda accept_oracle=False: True
        # 22.4 checks a metadata URL by resolving its host, which for http://[fe80::a9fe:a9fe%25eth0] is the
        # RFC 6874 zone spelling getaddrinfo does not take; later cloud-init probes that URL (25.1). The check
        # gets the zone as getaddrinfo writes it; the request itself is made with the URL as given.
        resolvable = dso.util.is_resolvable_url
        dso.util.is_resolvable_url = lambda url: resolvable(url.replace("%25", "%", 1) if "[" in url else url)
        helper.ec2.get_instance_metadata = functools.partial(helper.ec2.get_instance_metadata, metadata_address=base)

    ds, claimed, base = cloudinit_http.read(args, "OpenStack", dso.DataSourceOpenStack, before=patch)

    def fields():
        hostname = ds.get_hostname()
        return {
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
            "vendordata": read.get("vendordata"),
            "vendordata2": read.get("vendordata2"),
            "network_json": copy.deepcopy(ds.network_json),
            "files": sorted(ds.files.keys()),
            "files_b64": {k: b64(v) for k, v in sorted(ds.files.items())},
            "ec2_metadata": ds.ec2_metadata,
            "random_seed_len": len(ds.metadata.get("random_seed") or b""),
        }

    return cloudinit_http.emit(claimed, fields)


if __name__ == "__main__":
    sys.exit(main())
