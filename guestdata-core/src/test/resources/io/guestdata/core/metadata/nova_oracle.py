"""Nova 26's own InstanceMetadata, run with in-process fakes for the database, Neutron and the
security group API, as an oracle for MetadataTreeNovaOracleTest.

Reads one JSON request per line on stdin; writes one JSON answer per line on stdout.
Request: {"instance": {...}, "vifs": [...], "files": [[path, b64]], "admin_pass": str|null,
          "dhcp_domain": str, "vendordata": obj|null, "paths": [...], "address": str|null}
The instance carries root_device_name, default_ephemeral_device, default_swap_device and "bdms":
[{"source_type", "destination_type", "guest_format", "device_name", "boot_index"}], the block device
mappings instance.get_bdms() returns (the database's rows, in order).
Answer:  {"network_data": obj|null, "template": str|null,
          "lookups": {path: {"status": int, "content_type": str, "body": b64}},
          "config_drive": [[path, b64], ...]}
Or, for {"template_vifs": [...]}: {"network_data": ..., "template": ..., "template_lxc": ...}, the
interfaces template rendered by Nova's netutils with libvirt_virt_type None and "lxc".
Runs only under /usr/bin/python3 (Debian's python3-nova).
"""
import base64
import json
import os
import sys
import tempfile
import traceback

import nova.conf
from nova import objects

objects.register_all()

import webob  # noqa: E402

from nova.api.metadata import base as md_base  # noqa: E402
from nova.api.metadata import handler as md_handler  # noqa: E402
from nova.network import model  # noqa: E402
from nova.network import security_group_api  # noqa: E402
from nova.virt import netutils  # noqa: E402

from oslo_log import log  # noqa: E402

CONF = nova.conf.CONF
log.register_options(CONF)


def build_network_info(vifs):
    out = []
    for v in vifs:
        subnets = []
        for s in v.get("subnets", []):
            meta = {}
            if s.get("dhcp_server"):
                meta["dhcp_server"] = s["dhcp_server"]
            if s.get("ipv6_address_mode"):
                meta["ipv6_address_mode"] = s["ipv6_address_mode"]
            subnet = model.Subnet(
                cidr=s["cidr"],
                gateway=model.IP(address=s["gateway"], type="gateway") if s.get("gateway") else None,
                dns=[model.IP(address=d, type="dns") for d in s.get("dns", [])],
                ips=[model.FixedIP(address=ip) for ip in s.get("ips", [])],
                routes=[model.Route(cidr=r["cidr"], gateway=model.IP(address=r["gateway"], type="gateway"))
                        for r in s.get("routes", [])],
                **meta)
            subnets.append(subnet)
        net_meta = {"injected": v.get("injected", True)}
        if v.get("mtu") is not None:
            net_meta["mtu"] = v["mtu"]
        network = model.Network(id=v["network_id"], bridge="br0", label="net", subnets=subnets, **net_meta)
        out.append(model.VIF(id=v["id"], address=v["address"], network=network, type=v.get("type", "ovs"),
                             devname=v.get("devname")))
    return model.NetworkInfo(out)


def build_instance(spec):
    inst = objects.Instance(
        id=1,
        user_id="fake-user",
        uuid=spec["uuid"],
        project_id=spec.get("project_id"),
        key_name=spec.get("key_name"),
        key_data=spec.get("key_data"),
        host="compute-1",
        launch_index=spec["launch_index"],
        reservation_id=spec["reservation_id"],
        user_data=spec.get("user_data"),
        image_ref="image-ref",
        kernel_id=None,
        ramdisk_id=None,
        vcpus=1,
        root_device_name=spec.get("root_device_name"),
        hostname=spec["hostname"],
        display_name=spec["display_name"],
        metadata=spec.get("metadata", {}),
        default_ephemeral_device=spec.get("default_ephemeral_device"),
        default_swap_device=spec.get("default_swap_device"),
        system_metadata={},
        availability_zone=spec["availability_zone"],
        device_metadata=None,
        numa_topology=None,
        security_groups=objects.SecurityGroupList())
    ids = spec["ec2_ids"]
    inst.ec2_ids = objects.EC2Ids(instance_id=ids["instance_id"], ami_id=ids["ami_id"],
                                  kernel_id=ids.get("kernel_id"), ramdisk_id=ids.get("ramdisk_id"))
    keypairs = []
    if spec.get("key_name"):
        keypairs.append(objects.KeyPair(name=spec["key_name"], type=spec.get("key_type", "ssh"),
                                        public_key=spec["key_data"]))
    inst.keypairs = objects.KeyPairList(objects=keypairs)
    inst.flavor = objects.Flavor(name=spec["flavor"])
    return inst


def template_answer(vifs):
    network_info = build_network_info(vifs)
    return {"network_data": netutils.get_network_metadata(network_info),
            "template": netutils.get_injected_network_template(network_info),
            "template_lxc": netutils.get_injected_network_template(network_info, libvirt_virt_type="lxc")}


def answer(request):
    if "template_vifs" in request:
        return template_answer(request["template_vifs"])
    CONF.set_override("dhcp_domain", request.get("dhcp_domain", "novalocal"), group="api")
    CONF.set_override("flat_injected", True)
    if request.get("vendordata") is not None:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
            json.dump(request["vendordata"], f)
        CONF.set_override("vendordata_jsonfile_path", f.name, group="api")
    else:
        CONF.clear_override("vendordata_jsonfile_path", group="api")
    spec = request["instance"]
    groups = [{"name": n} for n in spec.get("security_groups", [])]
    security_group_api.get_instance_security_groups = lambda ctxt, instance: groups
    bdms = objects.BlockDeviceMappingList(objects=[
        objects.BlockDeviceMapping(instance_uuid=spec["uuid"], **bdm) for bdm in spec.get("bdms", [])])
    objects.Instance.get_bdms = lambda self: bdms
    network_info = build_network_info(request.get("vifs", []))

    def metadata(content=None, extra_md=None, address=None):
        return md_base.InstanceMetadata(build_instance(spec), address=address, content=content,
                                        extra_md=extra_md, network_info=network_info)

    service_md = metadata(address=request.get("address"))
    md_handler.MetadataRequestHandler.get_metadata_by_remote_address = lambda self, address: service_md
    app = md_handler.MetadataRequestHandler()
    lookups = {}
    for path in request["paths"]:
        req = webob.Request.blank(path)
        req.remote_addr = request.get("address") or "127.0.0.1"
        try:
            resp = req.get_response(app)
            lookups[path] = {"status": resp.status_int, "content_type": resp.headers.get("Content-Type"),
                             "body": base64.b64encode(resp.body).decode()}
        except Exception:  # a Python error inside lookup: what the WSGI server turns into a 500
            lookups[path] = {"status": 500, "content_type": None, "body": "",
                             "error": traceback.format_exc(limit=1)}

    files = [(p, base64.b64decode(c)) for p, c in request.get("files", [])]
    extra_md = {"admin_pass": request["admin_pass"]} if request.get("admin_pass") is not None else None
    drive_md = metadata(content=files, extra_md=extra_md)
    drive = []
    for path, value in drive_md.metadata_for_config_drive():
        if isinstance(value, str):
            value = value.encode("utf-8")
        drive.append([path, base64.b64encode(value).decode()])

    return {"network_data": netutils.get_network_metadata(network_info),
            "template": netutils.get_injected_network_template(network_info),
            "lookups": lookups, "config_drive": drive}


for line in sys.stdin:
    if line.strip():
        try:
            result = answer(json.loads(line))
        finally:
            path = CONF.api.vendordata_jsonfile_path
            if path:
                os.unlink(path)
                CONF.clear_override("vendordata_jsonfile_path", group="api")
        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
