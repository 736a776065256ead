"""What the two HTTP harnesses (cloudinit_ec2_http.py, cloudinit_openstack_http.py) share: their common
arguments, running one cloud-init datasource against BASE_URL (directly, or through a local stand-in for
Neutron's signing metadata proxy), and printing the result. Run with /usr/bin/python3."""
import argparse
import json
import logging
import os
import sys
import tempfile

import metadata_signing_proxy


def parser():
    """BASE_URL, the proxy options and --max-wait; a harness adds its own."""
    p = argparse.ArgumentParser()
    p.add_argument("base_url")
    p.add_argument("--proxy-secret")
    p.add_argument("--instance-id")
    p.add_argument("--tenant-id")
    p.add_argument("--max-wait", type=int, default=10, help="seconds to wait for the service (cloud-init's max_wait)")
    return p


def read(args, name, make_datasource, before=None):
    """Runs the datasource NAME's _get_data() against the service; returns (datasource, claimed, base url).

    make_datasource(sys_cfg, distro, paths) builds it; before(base), if given, runs first (to patch cloud-init).
    """
    logging.basicConfig(level=logging.DEBUG if os.environ.get("HARNESS_DEBUG") else logging.WARNING, stream=sys.stderr)
    from cloudinit import distros, helpers

    base, stop = args.base_url, None
    if args.proxy_secret is not None:
        base, stop = metadata_signing_proxy.start(args.base_url, args.instance_id, args.proxy_secret, args.tenant_id)
    try:
        if before:
            before(base)
        work = tempfile.mkdtemp(prefix="guestdata-ci-%s-" % name.lower())
        paths = helpers.Paths({"cloud_dir": work, "run_dir": os.path.join(work, "run")})
        distro = distros.fetch("debian")("debian", {}, paths)
        sys_cfg = {"datasource_list": [name],
                   "datasource": {name: {"metadata_urls": [base], "max_wait": args.max_wait, "timeout": 5, "retries": 1}}}
        ds = make_datasource(sys_cfg, distro, paths)
        return ds, ds._get_data(), base
    finally:
        if stop:
            stop()


def emit(claimed, fields):
    """Prints {"claimed": …} plus FIELDS (when claimed) as one JSON line; the exit status: 0 claimed, 3 not."""
    out = {"claimed": bool(claimed)}
    if claimed:
        out.update(fields())
    json.dump(out, sys.stdout, sort_keys=True, default=str)
    sys.stdout.write("\n")
    return 0 if claimed else 3
