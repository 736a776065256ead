#!/usr/bin/python3
"""The request sequence one cloud-init 22.4 datasource makes at boot, taken from cloud-init itself.

Usage: /usr/bin/python3 record_sequence.py openstack|ec2 OUT BASE_URL --proxy-secret S --instance-id UUID --tenant-id T

openstack runs tools/consumers/cloudinit_openstack_http.py (DataSourceOpenStack._get_data(): the wait for
/openstack, the version listing, meta_data.json, user_data, vendor_data*.json, network_data.json, the content
files meta_data.json names, then the EC2 crawl); ec2 runs tools/consumers/cloudinit_ec2_http.py
(DataSourceEc2._get_data() on a platform that is not AWS, as on a Nova instance: the IMDSv1 probe of
2009-04-04/meta-data/instance-id, the API version probes, the meta-data crawl and user-data). Either runs with
cloudinit.url_helper.readurl wrapped, and writes every request it made to OUT, one "METHOD PATH STATUS" per
line in the order made (retries included, as a guest makes them). The benchmark replays these lines.
"""
import os
import sys
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools", "consumers"))
from cloudinit import url_helper  # noqa: E402

HARNESSES = {"openstack": "cloudinit_openstack_http", "ec2": "cloudinit_ec2_http"}
if len(sys.argv) < 3 or sys.argv[1] not in HARNESSES:
    sys.exit("record_sequence.py: first argument: the datasource, one of %s" % " ".join(HARNESSES))
harness = HARNESSES[sys.argv.pop(1)]
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
status = __import__(harness).main()
with open(out_path, "w") as out:
    out.write("\n".join(seen) + "\n")
sys.exit(status)
