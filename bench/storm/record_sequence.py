#!/usr/bin/python3
"""The request sequence cloud-init 22.4's OpenStack datasource makes at boot, taken from cloud-init itself.

Usage: /usr/bin/python3 record_sequence.py OUT BASE_URL --proxy-secret S --instance-id UUID --tenant-id T

Runs tools/consumers/cloudinit_openstack_http.py (DataSourceOpenStack._get_data(): the wait for /openstack,
the version listing, meta_data.json, user_data, vendor_data*.json, network_data.json, then the EC2 crawl) with
cloudinit.url_helper.readurl wrapped, and writes every request it made to OUT, one "METHOD PATH STATUS" per
line in the order made (retries included, as a guest makes them). The benchmark replays these lines.
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "consumers"))
from cloudinit import url_helper  # noqa: E402

out_path = sys.argv.pop(1)
seen = []
real_readurl = url_helper.readurl


def recording_readurl(url, *args, **kwargs):
    method = (kwargs.get("request_method") or ("POST" if kwargs.get("data") else "GET")).upper()
    path = urllib.parse.urlsplit(url).path or "/"
    try:
        response = real_readurl(url, *args, **kwargs)
    except url_helper.UrlError as e:
        seen.append(f"{method} {path} {e.code or 0}")
        raise
    seen.append(f"{method} {path} {response.code}")
    return response


url_helper.readurl = recording_readurl
import cloudinit_openstack_http  # noqa: E402

status = cloudinit_openstack_http.main()
with open(out_path, "w") as out:
    out.write("\n".join(seen) + "\n")
sys.exit(status)
